"""Keyed digests: case codes and USSD sessions (code key), PINs (keyed, salted, memory-hard),
phone numbers (the number key, which only the worker holds)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from crypto.contexts import USSD_SESSION
from crypto.errors import CryptoError

MIN_KEY_BYTES = 16
# Hex digits kept of an owner tag: 16 bits. Enough that a stranger's number matches one case in
# 65 536; few enough that each value stands for ~900 of the ~6·10^7 Mozambican mobile numbers.
OWNER_TAG_HEX = 4
# scrypt at N=2**15, r=8: 32 MiB and about 75 ms per guess (docs/privacy.md has the
# figures measured on this service's hardware). A USSD status check makes one; an attacker
# holding the web's keys and a database dump makes up to 10**4 per case, each case salted apart.
PIN_SCRYPT_N = 2**15
PIN_SCRYPT_R = 8
PIN_SCRYPT_P = 1
PIN_SCRYPT_MAXMEM = 64 * 1024 * 1024
PIN_DIGEST_BYTES = 32
PIN_DIGEST_PREFIX = "scrypt1:"
# Checked against when the case or its PIN does not exist, so a miss costs the same work as a hit.
_NO_SALT = "0" * 32


def _field(value: str) -> bytes:
    # Length-prefixed, so ("12", "345") and ("123", "45") never hash the same.
    raw = value.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


def _mac(key: bytes, purpose: bytes, *values: str) -> bytes:
    message = b"handsoff/" + purpose + b"/v1\x00" + b"".join(_field(v) for v in values)
    return hmac.new(key, message, hashlib.sha256).digest()


def _check_key(key: bytes, what: str) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise CryptoError(f"the {what} must be at least {MIN_KEY_BYTES} bytes")


def stretch_pin(keyed: bytes, salt: str) -> str:
    """Return the stored digest of a PIN from its keyed MAC (`SecretHasher.pin_mac`).

    Needs no key: the worker runs it on the MAC it opens, so no host but the web's needs the code
    key for it. The output format is part of the data (every stored digest is one of these).
    """
    stretched = hashlib.scrypt(
        keyed,
        salt=b"handsoff/pin/v2\x00" + salt.encode("utf-8"),
        n=PIN_SCRYPT_N,
        r=PIN_SCRYPT_R,
        p=PIN_SCRYPT_P,
        maxmem=PIN_SCRYPT_MAXMEM,
        dklen=PIN_DIGEST_BYTES,
    )
    return PIN_DIGEST_PREFIX + base64.urlsafe_b64encode(stretched).decode("ascii").rstrip("=")


class SecretHasher:
    """Digests under the code key: case codes and session ids (lookups), PINs (memory-hard)."""

    def __init__(self, code_key: bytes) -> None:
        _check_key(code_key, "code key")
        self._code_key = code_key

    def __repr__(self) -> str:
        return "SecretHasher(<key hidden>)"

    def code_digest(self, code: str) -> str:
        """Return the digest under which a case code is stored and looked up."""
        return _mac(self._code_key, b"code", code).hex()

    def session_digest(self, session_id: str, phone: str) -> str:
        """Return the digest that names a USSD session in Redis and on its case.

        Bound to the caller too: another number sending the same session id is another session
        (it starts fresh and reaches neither the state nor the case of the first).
        """
        return _mac(self._code_key, b"code", USSD_SESSION + session_id, phone).hex()

    def owner_tag(self, case_ref: str, phone: str) -> str:
        """Return a deliberately short tag of the number that filed a case (per case, keyed)."""
        return _mac(self._code_key, b"owner", case_ref, phone).hex()[:OWNER_TAG_HEX]

    def is_owner(self, case_ref: str, phone: str, tag: str) -> bool:
        """Return whether `phone` carries the case's owner tag, in constant time."""
        return hmac.compare_digest(self.owner_tag(case_ref, phone).encode(), tag.encode())

    def pin_mac(self, code: str, pin: str) -> bytes:
        """Return the keyed step of a PIN's digest: cheap, and worthless without `stretch_pin`.

        The web seals it for the worker (cases.pin_sealed), which stretches it: the web's CPU is
        not spent on scrypt at every report, nor can a flood of fake reports make it so.
        """
        return _mac(self._code_key, b"pin", code, pin)

    def pin_digest(self, code: str, pin: str, salt: str) -> str:
        """Return the digest of a PIN: keyed to its code, salted per case, memory-hard.

        `salt` is the case's random ref, so one case's guesses tell nothing about another's.
        """
        return stretch_pin(self.pin_mac(code, pin), salt)

    def verify_pin(self, code: str, pin: str, salt: str, digest: str | None) -> bool:
        """Return whether `pin` is the PIN of the case; the same work when there is no digest."""
        if digest is not None and not digest.startswith(PIN_DIGEST_PREFIX):
            # Written before PINs were stretched: a plain keyed digest, checked as it was made.
            legacy = _mac(self._code_key, b"pin", code, pin).hex()
            self.pin_digest(code, pin, salt)  # the same cost as a current digest
            return hmac.compare_digest(legacy.encode(), digest.encode())
        computed = self.pin_digest(code, pin, salt if digest is not None else _NO_SALT)
        return digest is not None and hmac.compare_digest(computed.encode(), digest.encode())


class NumberHasher:
    """Lasting digests of phone numbers (officers', reporters'), stored in SQL to match senders.

    Only the worker holds the number key: with it and the table, the ~6*10**7 Mozambican mobile
    numbers are tried in minutes, so it must never be on a host that answers the internet.
    """

    def __init__(self, number_pepper: bytes) -> None:
        _check_key(number_pepper, "number key")
        self._pepper = number_pepper

    def __repr__(self) -> str:
        return "NumberHasher(<key hidden>)"

    def number_digest(self, phone: str) -> str:
        """Return the stable digest of a number (E.164): officers' lookups, reporters' STOP."""
        # The purpose word stays "officer": renaming it would orphan every digest stored so far.
        return _mac(self._pepper, b"officer", phone).hex()
