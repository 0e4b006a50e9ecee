"""Errors raised by crypto/; callers catch these, never a `cryptography` exception."""

from __future__ import annotations

from pathlib import Path


class CryptoError(Exception):
    """Something in crypto/ went wrong; the message never carries key material or plaintext."""


class KeyFileMissing(CryptoError):
    """A key or secrets file this process needs is not in its key folder."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"key file missing: {path}")
        self.path = path


class KeyFileInvalid(CryptoError):
    """A key or secrets file exists but cannot be read as one."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"key file invalid: {path}: {reason}")
        self.path = path


class SealBroken(CryptoError):
    """A sealed blob cannot be opened: tampered, truncated, wrong key or wrong case."""


class UnknownKeyId(SealBroken):
    """A sealed blob names a key id this opener does not hold (destroyed, or another store)."""
