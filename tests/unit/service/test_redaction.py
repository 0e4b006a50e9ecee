"""Whatever a caller logs, numbers, codes and tokens come out masked."""

from __future__ import annotations

import logging

import pytest

from service.logs.redaction import RedactingFilter, redact


@pytest.mark.parametrize(
    "text",
    [
        "from +258841234567",
        "from 258841234567",
        "national 841234567",
        "spaced +258 84 123 4567",
        "code 313908462",
        "dashed 313-908-462",
    ],
)
def test_numbers_and_codes_are_masked(text: str) -> None:
    masked = redact(text)
    assert not any(ch.isdigit() for ch in masked.split()[-1]), masked
    assert "[digits]" in masked


def test_the_webhook_token_is_masked_in_request_lines() -> None:
    assert redact("POST /ussd?token=abc123XYZ&x=1 HTTP/1.1") == (
        "POST /ussd?token=[redacted]&x=1 HTTP/1.1"
    )


def test_short_numbers_like_status_codes_stay_readable() -> None:
    assert redact("answered 200 in 12 ms") == "answered 200 in 12 ms"


def test_the_filter_rewrites_arguments_and_tracebacks() -> None:
    try:
        raise ValueError("Invalid phone number: +258841234567")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "send to %s failed", ("+258841234567",), sys.exc_info()
        )
    RedactingFilter().filter(record)
    assert "841234567" not in record.getMessage()
    assert record.exc_text is not None and "841234567" not in record.exc_text
