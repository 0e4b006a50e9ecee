"""Key material for sealing: hybrid ML-KEM-768 + X25519 key pairs and the symmetric secrets."""

from __future__ import annotations

import hashlib
import secrets as random_source
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from crypto.errors import CryptoError

KeyName = Literal["report", "contact"]
KEY_NAMES: tuple[KeyName, ...] = ("report", "contact")

KEY_ID_BYTES = 8
MLKEM768_PUBLIC_BYTES = 1184
MLKEM768_SEED_BYTES = 64
X25519_BYTES = 32
SECRET_BYTES = 32


def key_id_for(mlkem_public: bytes, x25519_public: bytes) -> bytes:
    """Return the short id of a public key: the first bytes of SHA-256 over its raw parts."""
    digest = hashlib.sha256(b"handsoff/key-id/v1\x00" + mlkem_public + x25519_public).digest()
    return digest[:KEY_ID_BYTES]


@dataclass(frozen=True)
class PublicKey:
    """The public half of a sealing key pair; safe to hand to internet-facing processes."""

    name: KeyName
    created: date
    mlkem_public: bytes = field(repr=False)
    x25519_public: bytes = field(repr=False)

    @property
    def key_id(self) -> bytes:
        """Return the short id that sealed blobs carry to say which key opens them."""
        return key_id_for(self.mlkem_public, self.x25519_public)

    def to_hpke(self) -> hpke.MLKEM768X25519PublicKey:
        """Build the `cryptography` key object; only crypto/ calls this."""
        try:
            return hpke.MLKEM768X25519PublicKey(
                mlkem.MLKEM768PublicKey.from_public_bytes(self.mlkem_public),
                x25519.X25519PublicKey.from_public_bytes(self.x25519_public),
            )
        except ValueError as error:
            raise CryptoError(f"{self.name} public key is malformed") from error


@dataclass(frozen=True)
class PrivateKey:
    """The private half of a sealing key pair; `retired` is set once a newer key replaced it."""

    name: KeyName
    created: date
    mlkem_seed: bytes = field(repr=False)
    x25519_private: bytes = field(repr=False)
    retired: date | None = None

    def public(self) -> PublicKey:
        """Derive the matching public key."""
        try:
            mlkem_public = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed).public_key()
            x_public = x25519.X25519PrivateKey.from_private_bytes(self.x25519_private).public_key()
        except ValueError as error:
            raise CryptoError(f"{self.name} private key is malformed") from error
        return PublicKey(
            name=self.name,
            created=self.created,
            mlkem_public=mlkem_public.public_bytes_raw(),
            x25519_public=x_public.public_bytes_raw(),
        )

    @property
    def key_id(self) -> bytes:
        """Return the short id of the matching public key."""
        return self.public().key_id

    def to_hpke(self) -> hpke.MLKEM768X25519PrivateKey:
        """Build the `cryptography` key object; only crypto/ calls this."""
        try:
            return hpke.MLKEM768X25519PrivateKey(
                mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed),
                x25519.X25519PrivateKey.from_private_bytes(self.x25519_private),
            )
        except ValueError as error:
            raise CryptoError(f"{self.name} private key is malformed") from error

    def retire(self, on: date) -> PrivateKey:
        """Return this key marked as retired: it still opens old blobs but seals nothing new."""
        return PrivateKey(self.name, self.created, self.mlkem_seed, self.x25519_private, on)


def generate_private_key(name: KeyName, created: date) -> PrivateKey:
    """Generate a fresh hybrid key pair and return its private half."""
    return PrivateKey(
        name=name,
        created=created,
        mlkem_seed=mlkem.MLKEM768PrivateKey.generate().private_bytes_raw(),
        x25519_private=x25519.X25519PrivateKey.generate().private_bytes_raw(),
    )


SecretName = Literal["session", "pseudonym", "code", "number", "desk"]
SECRET_NAMES: tuple[SecretName, ...] = ("session", "pseudonym", "code", "number", "desk")
# What each symmetric secret is for; the key folder's README and error messages use these words.
SECRET_PURPOSES: dict[SecretName, str] = {
    "session": "encrypts USSD session state in Redis",
    "pseudonym": "makes the daily caller pseudonyms kept in Redis (rate limits, resume)",
    "code": "makes case-code digests and binds PIN digests to their code",
    "number": "makes the lasting phone-number digests stored in SQL (worker only)",
    "desk": "signs desk sessions and seals staff TOTP secrets (desk only: the web cannot forge)",
}


def generate_secret() -> bytes:
    """Generate one fresh 32-byte symmetric secret."""
    return random_source.token_bytes(SECRET_BYTES)
