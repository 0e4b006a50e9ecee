"""Encrypt short-lived session state (AES-256-GCM) before it goes to Redis or a resume copy."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import CryptoError, SealBroken

VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32


class StateCipher:
    """Seal and open session state with one symmetric key; the context is bound as AAD."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise CryptoError(f"the session key must be {KEY_BYTES} bytes")
        # Built once: this runs on every USSD hop.
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "StateCipher(<key hidden>)"

    def seal(self, data: bytes, context: bytes) -> bytes:
        """Return `data` encrypted under a fresh random nonce and bound to `context`."""
        # Random 96-bit nonces are safe far beyond our volume (NIST's 2**32 messages per key).
        nonce = os.urandom(NONCE_BYTES)
        return bytes([VERSION]) + nonce + self._aead.encrypt(nonce, data, self._aad(context))

    def open(self, blob: bytes, context: bytes) -> bytes:
        """Return the data; raise SealBroken if the blob was altered, or key or context differ."""
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != VERSION:
            raise SealBroken("not a sealed session state")
        nonce = bytes(blob[1 : 1 + NONCE_BYTES])
        try:
            return self._aead.decrypt(nonce, bytes(blob[1 + NONCE_BYTES :]), self._aad(context))
        except InvalidTag:
            raise SealBroken("session state does not open") from None

    @staticmethod
    def _aad(context: bytes) -> bytes:
        return b"handsoff/state/v1\x00" + bytes([VERSION]) + context
