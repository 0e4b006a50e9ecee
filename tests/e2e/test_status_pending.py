"""A case whose PIN the worker has not stretched yet: the web never stretched it, and a check in
those seconds tells only the filing number to try again, uncounted, for one stretch's work.

On PostgreSQL + Redis, where no worker runs in these tests: the embedded default's in-process
worker stretches each PIN a moment after its report, so a case there is pending only by chance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from flows.case_code import make_code
from tests.support.backends import RunningService
from tests.support.journeys import check_case, file_report
from tests.support.phone import system_text

REPORTER = "+258841119001"
PIN = "8642"


def test_a_report_costs_the_web_no_scrypt(
    production_service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = production_service

    def no_scrypt(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the web stretched a PIN")

    monkeypatch.setattr(hashlib, "scrypt", no_scrypt)
    file_report(service.phone(REPORTER), pin=PIN)

    [case] = service.cases()
    assert case.pin_sealed is not None and case.pin_digest is None
    assert PIN.encode() not in case.pin_sealed


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_the_filing_number_is_told_its_case_is_being_registered(
    production_service: RunningService, lang: str
) -> None:
    service = production_service
    code = file_report(service.phone(REPORTER), lang, pin=PIN)
    assert check_case(service.phone(REPORTER), code, PIN, lang) == system_text(
        "status.pending", lang
    )
    service.stretch_pins()  # the worker, after the report
    assert check_case(service.phone(REPORTER), code, PIN, lang) == system_text(
        "status.received", lang
    )


def test_a_pending_case_tells_another_number_nothing_even_with_the_right_pin(
    production_service: RunningService,
) -> None:
    service = production_service
    code = file_report(service.phone(REPORTER), pin=PIN)
    missing = make_code("12345678")
    stranger = check_case(service.phone("+258821119002"), code, PIN)
    assert stranger == check_case(service.phone("+258821119003"), missing, PIN)
    assert stranger == system_text("status.unknown")


def test_pending_checks_by_the_filing_number_spend_no_budget(
    production_service: RunningService,
) -> None:
    service = production_service
    code = file_report(service.phone(REPORTER), pin=PIN)
    own = service.phone(REPORTER)
    for _ in range(service.settings.limits.status_misses_before_lock + 2):
        assert check_case(own, code, "0000") == system_text("status.pending")
    service.stretch_pins()
    # Neither the number's budget nor the code's was spent: the right PIN gets in, from any number.
    assert "recebido" in check_case(own, code, PIN).lower()
    assert "recebido" in check_case(service.phone("+258821119004"), code, PIN).lower()


def test_a_pending_check_does_the_work_of_a_miss(
    production_service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = production_service
    code = file_report(service.phone(REPORTER), pin=PIN)
    calls: list[int] = []
    real_scrypt: Callable[..., bytes] = hashlib.scrypt

    def counting_scrypt(password: bytes, **params: int | bytes) -> bytes:
        calls.append(1)
        return real_scrypt(password, **params)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    check_case(service.phone(REPORTER), code, PIN)
    check_case(service.phone("+258821119005"), code, PIN)
    check_case(service.phone("+258821119006"), make_code("12345678"), PIN)
    assert len(calls) == 3
