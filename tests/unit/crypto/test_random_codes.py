"""Random case-code digits and tokens."""

from __future__ import annotations

import pytest

from crypto import new_token, random_case_digits


def test_case_digits_are_eight_decimal_digits_by_default() -> None:
    digits = random_case_digits()
    assert len(digits) == 8
    assert digits.isdigit() and digits.isascii()


def test_case_digits_vary_and_use_every_digit() -> None:
    draws = [random_case_digits(12) for _ in range(200)]
    assert len(set(draws)) == 200
    assert set("".join(draws)) == set("0123456789")


def test_zero_case_digits_is_refused() -> None:
    with pytest.raises(ValueError):
        random_case_digits(0)


def test_tokens_are_url_safe_and_distinct() -> None:
    tokens = {new_token(16) for _ in range(100)}
    assert len(tokens) == 100
    assert all(
        set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for t in tokens
    )
