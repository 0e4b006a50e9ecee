"""Small rules: retry backoff, maintenance slots, code lists, vocabularies, officer numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.casework.maintenance import next_slot
from service.casework.officer_commands import CODES_BUDGET, _pack
from service.casework.officers import OfficerError, normalise_officer_phone
from service.casework.vocab import province_code, role_code, role_for_help
from service.messaging.delivery import RetryPolicy


def test_backoff_grows_then_stays_at_the_last_step() -> None:
    policy = RetryPolicy(backoff_seconds=(5, 30, 120), max_attempts=6)
    assert [policy.delay_after(n).total_seconds() for n in range(1, 6)] == [5, 30, 120, 120, 120]


def test_maintenance_slots_are_whole_minutes_so_every_worker_books_the_same_one() -> None:
    assert next_slot(datetime(2025, 1, 1, 10, 0, 0)) == datetime(2025, 1, 1, 10, 1)
    assert next_slot(datetime(2025, 1, 1, 10, 0, 59, 999)) == datetime(2025, 1, 1, 10, 1)
    assert next_slot(datetime(2025, 1, 1, 10, 1, 0, 1)) == datetime(2025, 1, 1, 10, 2)


def test_code_lists_fit_the_budget_and_say_how_many_more() -> None:
    codes = [f"{n:09d}" for n in range(20)]
    packed = _pack(codes)
    assert len(packed) <= CODES_BUDGET
    shown = packed.split()
    assert shown[-1] == f"+{20 - (len(shown) - 1)}"
    assert _pack(codes[:3]) == " ".join(codes[:3])
    assert _pack(codes[:10]) == " ".join(codes[:10])  # 99 characters: all fit


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Zambézia", "zambezia"),
        ("maputo província", "maputo_provincia"),
        ("Maputo Cidade", "maputo_cidade"),
        ("cabo-delgado", "cabo_delgado"),
        ("NIASSA", "niassa"),
        ("Lisboa", None),
    ],
)
def test_provinces_are_accepted_by_code_or_display_name(text: str, code: str | None) -> None:
    assert province_code(text) == code


def test_roles_and_help_codes() -> None:
    assert role_code("Police-Liaison") == "police_liaison"
    assert role_code("chief") is None
    assert role_for_help("pep") == "health_liaison"
    assert role_for_help(None) == "psychosocial"


@pytest.mark.parametrize("raw", ["841234567", "+258 84 123 4567", "258841234567"])
def test_officer_numbers_are_normalised_to_e164(raw: str) -> None:
    assert normalise_officer_phone(raw) == "+258841234567"


@pytest.mark.parametrize("raw", ["12345", "+25884123", "abc", "+2588412345678"])
def test_a_bad_number_says_invalid_number_and_nothing_else(raw: str) -> None:
    with pytest.raises(OfficerError) as error:
        normalise_officer_phone(raw)
    assert str(error.value).startswith("invalid number: ")


def test_deadlines_are_tighter_for_urgent_and_pep_cases() -> None:
    from service.casework.assignment import AckDeadlines
    from service.storage.models import Case

    deadlines = AckDeadlines()
    assert deadlines.for_case(Case(urgent=True, pep_window=False)) == timedelta(minutes=15)
    assert deadlines.for_case(Case(urgent=False, pep_window=True)) == timedelta(minutes=15)
    assert deadlines.for_case(Case(urgent=False, pep_window=False)) == timedelta(hours=24)
