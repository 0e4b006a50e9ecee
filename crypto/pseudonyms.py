"""Phone-number pseudonyms for linking within one period (rate limits, resuming a session)."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import CryptoError

PSEUDONYM_HEX_CHARS = 32
MIN_PEPPER_BYTES = 16
# Periods in use at once are few (the current one, perhaps the previous); keep a handful of keys.
_CACHED_PERIODS = 4


class Pseudonymiser:
    """Map a phone number to a pseudonym that is stable within a period and unlinkable across."""

    def __init__(self, pepper: bytes) -> None:
        if len(pepper) < MIN_PEPPER_BYTES:
            raise CryptoError(f"the pseudonym pepper must be at least {MIN_PEPPER_BYTES} bytes")
        self._pepper = pepper
        self._period_keys: dict[int, bytes] = {}

    def __repr__(self) -> str:
        return "Pseudonymiser(<pepper hidden>)"

    def pseudonym(self, phone: str, period: int) -> str:
        """Return the pseudonym of `phone` (E.164) in `period`, as 32 hex characters."""
        mac = hmac.new(self._period_key(period), phone.encode("utf-8"), hashlib.sha256)
        return mac.hexdigest()[:PSEUDONYM_HEX_CHARS]

    def _period_key(self, period: int) -> bytes:
        key = self._period_keys.get(period)
        if key is None:
            # One key per period: without the pepper, pseudonyms of two periods cannot be joined,
            # so a stolen table of them is no lasting identifier.
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=b"handsoff/pseudonym/v1\x00" + str(period).encode("ascii"),
            ).derive(self._pepper)
            if len(self._period_keys) >= _CACHED_PERIODS:
                self._period_keys.clear()
            self._period_keys[period] = key
        return key
