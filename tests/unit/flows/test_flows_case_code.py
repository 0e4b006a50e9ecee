"""Case codes: nine digits whose Damm check digit catches every typo of one kind."""

from __future__ import annotations

import pytest

from flows.case_code import check_digit, is_valid, make_code, normalise

BODIES = ["00000000", "12345678", "87654321", "57204936", "99999999", "10293847"]


def test_the_check_digit_matches_the_published_example() -> None:
    # Worked example from the Damm algorithm literature: 572 -> check digit 4.
    assert check_digit("572") == "4"
    assert is_valid("57240000" + check_digit("57240000"))


@pytest.mark.parametrize("body", BODIES)
def test_a_made_code_has_nine_digits_and_is_valid(body: str) -> None:
    code = make_code(body)
    assert len(code) == 9
    assert code.startswith(body)
    assert is_valid(code)


@pytest.mark.parametrize("body", BODIES)
def test_every_single_digit_error_is_detected(body: str) -> None:
    code = make_code(body)
    for position in range(9):
        for digit in "0123456789":
            if digit != code[position]:
                typo = code[:position] + digit + code[position + 1 :]
                assert not is_valid(typo), typo


@pytest.mark.parametrize("body", BODIES)
def test_every_adjacent_transposition_is_detected(body: str) -> None:
    code = make_code(body)
    for position in range(8):
        a, b = code[position], code[position + 1]
        if a != b:
            swapped = code[:position] + b + a + code[position + 2 :]
            assert not is_valid(swapped), swapped


@pytest.mark.parametrize("text", ["", "12345678", "1234567890", "12345678a", "\uff11" * 9])
# "\uff11" is FULLWIDTH DIGIT ONE: isdigit() says yes, a keypad never sends it.
def test_anything_but_nine_ascii_digits_is_not_a_valid_code(text: str) -> None:
    assert not is_valid(text)


@pytest.mark.parametrize("body", ["1234567", "123456789", "1234567a", "\uff11" * 8])
def test_making_a_code_from_anything_but_eight_ascii_digits_is_refused(body: str) -> None:
    with pytest.raises(ValueError, match="eight ASCII digits"):
        make_code(body)


def test_normalising_drops_the_spaces_and_dashes_people_type() -> None:
    assert normalise(" 123 456-789 ") == "123456789"
    assert normalise("123-456-789") == "123456789"
