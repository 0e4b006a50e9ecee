"""Staff passwords (Argon2id) and TOTP codes (RFC 6238, each accepted once)."""

from __future__ import annotations

import hmac
import secrets
import string
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ISSUER = "Hands Off desk"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
TOTP_PERIOD = 30
# One step either side: a phone's clock a little off still signs in.
TOTP_DRIFT_STEPS = 1
# No look-alike characters: a one-time password is read off a screen and typed.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return an Argon2id hash with the library's current parameters."""
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether the password fits the hash; any malformed hash is simply no match."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """A random first password (about 95 bits), to be changed at first sign-in."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(16))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth://totp/... URI authenticator apps read (usually as a QR code)."""
    return pyotp.TOTP(secret, interval=TOTP_PERIOD).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def accepted_step(secret: str, code: str, now: datetime, last_step: int) -> int | None:
    """The time step the code belongs to, if it is valid now and newer than the last one used."""
    code = code.strip().replace(" ", "")
    # ASCII only: str.isdigit() takes other scripts' digits, which compare_digest refuses.
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_PERIOD)
    current = int(now.replace(tzinfo=UTC).timestamp()) // TOTP_PERIOD
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * TOTP_PERIOD), code):
            return step
    return None
