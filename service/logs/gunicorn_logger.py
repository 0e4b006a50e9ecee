"""gunicorn's own loggers (error log, access log) through the same redaction as ours.

The Procfile names this class (`--logger-class`): gunicorn logs invalid request lines, bad
headers and failed requests itself, quoting the raw request line — query string, token and all.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger

from service.logs.redaction import RedactingFilter


class RedactingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints: its Logger is Any
    """gunicorn's logger, with the redacting filter on both its loggers and all their handlers."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            _add_filter(log)
            for handler in log.handlers:
                _add_filter(handler)


def _add_filter(target: logging.Logger | logging.Handler) -> None:
    # On the logger itself too: a record is filtered before any handler, even one gunicorn adds
    # or reopens later (log rotation with USR1).
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
