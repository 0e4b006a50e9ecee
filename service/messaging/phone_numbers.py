"""Phone numbers in E.164, national input read as Mozambican: one rule for callbacks and staff."""

from __future__ import annotations

import re

import phonenumbers

# Longer than any number anyone types, even with spaces and dashes: refused before parsing.
MAX_INPUT_LENGTH = 32
# +258 8[2-7] and seven digits: every Mozambican mobile, already in E.164 (docs/domain.md).
_MOZAMBICAN_MOBILE_E164 = re.compile(r"\+2588[2-7]\d{7}")


class InvalidPhoneNumber(ValueError):
    """Not a number we can use; the message never carries the number."""


def normalise_phone(raw: str) -> str:
    """Return the number in E.164 (no trunk 0 in Mozambique; national input is read as MZ)."""
    raw = raw.strip()
    if _MOZAMBICAN_MOBILE_E164.fullmatch(raw):
        return raw  # The aggregator's usual form: skip the full parse on the hot path.
    if not raw or len(raw) > MAX_INPUT_LENGTH:
        raise InvalidPhoneNumber("invalid number")
    try:
        number = phonenumbers.parse(raw, "MZ")
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("invalid number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("invalid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
