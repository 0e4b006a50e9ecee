"""Phone-number pseudonyms: stable within a period, unlinkable across periods and peppers."""

from __future__ import annotations

import re

import pytest

from crypto import CryptoError, Pseudonymiser

PEPPER = b"p" * 32
PHONE = "+258841234567"


def test_a_pseudonym_is_stable_within_a_period() -> None:
    assert Pseudonymiser(PEPPER).pseudonym(PHONE, 100) == Pseudonymiser(PEPPER).pseudonym(
        PHONE, 100
    )


def test_a_pseudonym_changes_from_one_period_to_the_next() -> None:
    pseudonymiser = Pseudonymiser(PEPPER)
    seen = {pseudonymiser.pseudonym(PHONE, period) for period in range(20)}
    assert len(seen) == 20


def test_a_pseudonym_changes_with_the_pepper() -> None:
    assert Pseudonymiser(PEPPER).pseudonym(PHONE, 1) != Pseudonymiser(b"q" * 32).pseudonym(PHONE, 1)


def test_different_numbers_get_different_pseudonyms() -> None:
    pseudonymiser = Pseudonymiser(PEPPER)
    assert pseudonymiser.pseudonym(PHONE, 1) != pseudonymiser.pseudonym("+258841234568", 1)


def test_a_pseudonym_is_32_hex_characters_and_does_not_contain_the_number() -> None:
    pseudonym = Pseudonymiser(PEPPER).pseudonym(PHONE, 1)
    assert re.fullmatch(r"[0-9a-f]{32}", pseudonym)
    assert "841234567" not in pseudonym


def test_the_result_does_not_depend_on_which_periods_were_asked_before() -> None:
    warm = Pseudonymiser(PEPPER)
    for period in range(10):
        warm.pseudonym(PHONE, period)
    assert warm.pseudonym(PHONE, 3) == Pseudonymiser(PEPPER).pseudonym(PHONE, 3)


def test_a_short_pepper_is_refused() -> None:
    with pytest.raises(CryptoError):
        Pseudonymiser(b"short")
