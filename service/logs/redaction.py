"""Logging that cannot carry a number, a code or the webhook token, whatever a caller logs."""

from __future__ import annotations

import logging
import re

# `token=` as sent, or percent-encoded (`token%3D`) as a quoted request line may show it.
_TOKEN = re.compile(r"(token(?:=|%3D))[^&\s\"']+", re.IGNORECASE)
# Phone numbers and case codes: runs of six or more digits, with or without + and separators.
_DIGITS = re.compile(r"\+?\d(?:[\d \-]{4,}\d)")
# What each line looks like on stdout; the log allow-list test renders records with it too.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def redact(message: str) -> str:
    """Mask tokens and long digit runs."""
    return _DIGITS.sub("[digits]", _TOKEN.sub(r"\1[redacted]", message))


class RedactingFilter(logging.Filter):
    """Rewrite each record's final message before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg = redact(message)
        record.args = None
        return True


def install_redaction(level: int = logging.INFO) -> None:
    """Put the filter on every root handler (adding one if there is none); safe to call twice."""
    root = logging.getLogger()
    if not root.handlers:
        handler: logging.Handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    for existing in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in existing.filters):
            existing.addFilter(RedactingFilter())
