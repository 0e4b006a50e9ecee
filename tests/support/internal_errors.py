"""What failed inside the service, whatever screen the caller was shown.

The webhook turns any exception of a hop into a 200 "try again" screen, so a status code alone
cannot tell a valid refusal from a crash. Every place that catches an unexpected failure logs it
at ERROR (`log.exception`), and the USSD webhook also counts it as `ussd.error`; these read both.
"""

from __future__ import annotations

import logging

import pytest

from service.intake.counters import Counters

OUR_PACKAGES = ("service", "workers", "crypto", "flows", "config")


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR records our code logged during the test: name, message and the exception's type."""
    return [
        f"{record.name}: {record.getMessage()} ({_exception_name(record)})"
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name.split(".")[0] in OUR_PACKAGES
    ]


def _exception_name(record: logging.LogRecord) -> str:
    kind = record.exc_info[0] if record.exc_info else None
    return kind.__name__ if kind is not None else "no exception"


def hop_errors(counters: Counters) -> int:
    """How many USSD hops failed inside the webhook and were shown "try again" for it."""
    return counters.totals().get("ussd.error", 0)
