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


class ForbiddenKeyFile(CryptoError):
    """A production process's key folder holds a file its role must not hold."""

    def __init__(self, path: Path, role: str, names: tuple[str, ...]) -> None:
        super().__init__(
            f"refusing to start: the {role} key folder {path} holds {', '.join(names)}, which "
            f"the {role} process must not hold; remove it, or provision the folder with "
            f"`handsoff keys export --role {role}` (docs/keys.md)"
        )
        self.path = path
        self.role = role
        self.names = names


class SealBroken(CryptoError):
    """A sealed blob cannot be opened: tampered, truncated, wrong key or wrong case."""


class UnknownKeyId(SealBroken):
    """A sealed blob names a key id this opener does not hold (destroyed, or another store)."""
