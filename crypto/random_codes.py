"""Unguessable random values: case-code digits and tokens."""

from __future__ import annotations

import secrets

_DIGITS = "0123456789"


def random_case_digits(n: int = 8) -> str:
    """Return `n` random decimal digits for a case code (the check digit is added elsewhere)."""
    if n < 1:
        raise ValueError("a case code needs at least one digit")
    return "".join(secrets.choice(_DIGITS) for _ in range(n))


def new_token(nbytes: int = 32) -> str:
    """Return a URL-safe random token carrying `nbytes` bytes of randomness."""
    return secrets.token_urlsafe(nbytes)
