"""Strangers' wrong PINs cannot lock the reporter out; guessing stays as hard as before."""

from __future__ import annotations

from tests.support.backends import RunningService
from tests.support.journeys import check_case, file_report

REPORTER = "+258841118001"
PIN = "8642"


def strangers_spend_the_codes_budget(service: RunningService, code: str) -> None:
    """Five wrong PINs, each from a number of its own (a guesser with many SIM cards)."""
    for attempt in range(service.settings.limits.status_misses_before_lock):
        check_case(service.phone(f"+25882444{attempt:04d}"), code, f"000{attempt}")


def test_after_strangers_spend_a_codes_budget_the_reporters_own_number_still_gets_in(
    service: RunningService,
) -> None:
    code = file_report(service.phone(REPORTER), pin=PIN)
    service.stretch_pins()  # the worker, after the report
    strangers_spend_the_codes_budget(service, code)

    assert "recebido" in check_case(service.phone(REPORTER), code, PIN).lower()


def test_after_strangers_spend_a_codes_budget_no_other_number_gets_in_even_with_the_right_pin(
    service: RunningService,
) -> None:
    code = file_report(service.phone(REPORTER), pin=PIN)
    service.stretch_pins()  # the worker, after the report
    refusal = check_case(service.phone("+258824449990"), code, "0000")
    strangers_spend_the_codes_budget(service, code)

    assert check_case(service.phone("+258824449999"), code, PIN) == refusal


def test_a_number_that_guessed_five_times_is_stopped_even_on_its_own_case(
    service: RunningService,
) -> None:
    code = file_report(service.phone(REPORTER), pin=PIN)
    service.stretch_pins()  # the worker, after the report
    own = service.phone(REPORTER)  # someone holding the reporter's phone, guessing
    refusal = check_case(own, code, "0000")
    for attempt in range(1, service.settings.limits.status_misses_before_lock):
        check_case(own, code, f"000{attempt}")

    assert check_case(own, code, PIN) == refusal
