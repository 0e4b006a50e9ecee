"""Keyed digests of case codes, PINs and officer numbers: a stolen database cannot reverse them."""

from __future__ import annotations

import hashlib
import hmac

from crypto.errors import CryptoError

MIN_KEY_BYTES = 16
# Hex digits kept of an owner tag: 16 bits. Enough that a stranger's number matches one case in
# 65 536; few enough that each value stands for ~900 of the ~6·10^7 Mozambican mobile numbers.
OWNER_TAG_HEX = 4


def _field(value: str) -> bytes:
    # Length-prefixed, so ("12", "345") and ("123", "45") never hash the same.
    raw = value.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


class SecretHasher:
    """HMAC-SHA256 digests under secret keys: a 4-digit PIN cannot be brute-forced without them."""

    def __init__(self, code_key: bytes, officer_key: bytes | None = None) -> None:
        if len(code_key) < MIN_KEY_BYTES:
            raise CryptoError(f"the code key must be at least {MIN_KEY_BYTES} bytes")
        if officer_key is not None and len(officer_key) < MIN_KEY_BYTES:
            raise CryptoError(f"the officer key must be at least {MIN_KEY_BYTES} bytes")
        self._code_key = code_key
        self._officer_key = officer_key

    def __repr__(self) -> str:
        return "SecretHasher(<keys hidden>)"

    def code_digest(self, code: str) -> str:
        """Return the digest under which a case code is stored and looked up."""
        return self._digest(self._code_key, b"code", code)

    def pin_digest(self, code: str, pin: str) -> str:
        """Return the digest of a PIN, bound to its case code so digests cannot be swapped."""
        return self._digest(self._code_key, b"pin", code, pin)

    def verify_pin(self, code: str, pin: str, digest: str) -> bool:
        """Return whether `pin` is the PIN of `code`, in constant time."""
        return hmac.compare_digest(self.pin_digest(code, pin).encode(), digest.encode())

    def owner_tag(self, case_ref: str, phone: str) -> str:
        """Return a deliberately short tag of the number that filed a case (per case, keyed)."""
        return self._digest(self._code_key, b"owner", case_ref, phone)[:OWNER_TAG_HEX]

    def is_owner(self, case_ref: str, phone: str, tag: str) -> bool:
        """Return whether `phone` carries the case's owner tag, in constant time."""
        return hmac.compare_digest(self.owner_tag(case_ref, phone).encode(), tag.encode())

    def officer_digest(self, phone: str) -> str:
        """Return a stable digest of an officer's number (E.164), to match their SMS commands."""
        if self._officer_key is None:
            raise CryptoError("this SecretHasher was built without the officer key")
        return self._digest(self._officer_key, b"officer", phone)

    @staticmethod
    def _digest(key: bytes, purpose: bytes, *values: str) -> str:
        message = b"handsoff/" + purpose + b"/v1\x00" + b"".join(_field(v) for v in values)
        return hmac.new(key, message, hashlib.sha256).hexdigest()
