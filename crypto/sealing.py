"""Seal reports and reporters' numbers to a public key (HPKE, RFC 9180); open with private keys.

Blob layout: one version byte, the 8-byte id of the key it was sealed to, the HPKE ciphertext
(encapsulated key, then AES-256-GCM ciphertext and tag). The HPKE `info` binds the purpose, the
header and the case reference, so a blob moved to another case or purpose does not open.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke

from crypto.errors import CryptoError, SealBroken, UnknownKeyId
from crypto.keys import KEY_ID_BYTES, KeyName, PrivateKey, PublicKey

VERSION = 1
HEADER_BYTES = 1 + KEY_ID_BYTES
# Plaintext is padded to the smallest of a few fixed sizes that holds it (past the largest, to a
# multiple of it), so a blob's length does not say whether a description was written, nor which
# country a number is from. Every USSD report fits the first report size: its content is the
# answers as codes plus at most one 140-character description (4 bytes a character at most).
REPORT_SIZES = (1024, 4096, 16384)
# Numbers, case codes, SMS bodies and inbound SMS for the worker.
CONTACT_SIZES = (256, 1024, 4096)

_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _info(purpose: KeyName, header: bytes, case_ref: str) -> bytes:
    if not case_ref:
        raise CryptoError("a sealed blob needs a reference to bind it to")
    return b"handsoff/" + purpose.encode() + b"/v1\x00" + header + case_ref.encode("utf-8")


def padded_size(length: int, sizes: tuple[int, ...]) -> int:
    """Return the size a plaintext of `length` bytes is padded to (its marker byte included)."""
    needed = length + 1
    for size in sizes:
        if needed <= size:
            return size
    return needed + (-needed % sizes[-1])


def _pad(plaintext: bytes, sizes: tuple[int, ...]) -> bytes:
    # ISO/IEC 7816-4 padding: a 0x80 marker, then zeros up to the chosen size.
    marked = plaintext + b"\x80"
    return marked + b"\x00" * (padded_size(len(plaintext), sizes) - len(marked))


def _unpad(padded: bytes) -> bytes:
    stripped = padded.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise SealBroken("sealed content has bad padding")
    return stripped[:-1]


class _Sealer:
    """Seal bytes for one purpose to one public key."""

    def __init__(self, public: PublicKey, purpose: KeyName, sizes: tuple[int, ...]) -> None:
        if public.name != purpose:
            raise CryptoError(f"a {purpose} sealer was given the {public.name} key")
        self._purpose = purpose
        self._sizes = sizes
        self._header = bytes([VERSION]) + public.key_id
        self._key = public.to_hpke()

    def _seal(self, plaintext: bytes, case_ref: str) -> bytes:
        info = _info(self._purpose, self._header, case_ref)
        return self._header + _SUITE.encrypt(_pad(plaintext, self._sizes), self._key, info=info)


class _Opener:
    """Open blobs of one purpose with any of several private keys, chosen by key id."""

    def __init__(self, private: PrivateKey | Iterable[PrivateKey], purpose: KeyName) -> None:
        ring = (private,) if isinstance(private, PrivateKey) else tuple(private)
        if not ring:
            raise CryptoError(f"a {purpose} opener needs at least one private key")
        for key in ring:
            if key.name != purpose:
                raise CryptoError(f"a {purpose} opener was given the {key.name} key")
        self._purpose = purpose
        self._keys = {key.key_id: key.to_hpke() for key in ring}

    def _open(self, blob: bytes, case_ref: str) -> bytes:
        if len(blob) <= HEADER_BYTES or blob[0] != VERSION:
            raise SealBroken(f"not a sealed {self._purpose} blob")
        header = bytes(blob[:HEADER_BYTES])
        key = self._keys.get(header[1:])
        if key is None:
            raise UnknownKeyId(f"no {self._purpose} key with id {header[1:].hex()}")
        try:
            padded = _SUITE.decrypt(
                bytes(blob[HEADER_BYTES:]), key, info=_info(self._purpose, header, case_ref)
            )
        # InvalidTag for tampering or the wrong case; ValueError for a mangled encapsulated key.
        except (InvalidTag, ValueError):
            raise SealBroken(f"sealed {self._purpose} does not open") from None
        return _unpad(padded)


class ReportSealer(_Sealer):
    """Seal report content to the desk's public key; holds no secret."""

    def __init__(self, public: PublicKey) -> None:
        super().__init__(public, "report", REPORT_SIZES)

    def seal_report(self, plaintext: bytes, case_ref: str) -> bytes:
        """Return `plaintext` sealed so that only the desk can open it, bound to `case_ref`."""
        return self._seal(plaintext, case_ref)


class ReportOpener(_Opener):
    """Open sealed reports with the desk's private keys (current and retired)."""

    def __init__(self, private: PrivateKey | Iterable[PrivateKey]) -> None:
        super().__init__(private, "report")

    def open_report(self, blob: bytes, case_ref: str) -> bytes:
        """Return the report content; raise SealBroken if it was altered or is for another case."""
        return self._open(blob, case_ref)


class ContactSealer(_Sealer):
    """Seal short text for the worker (numbers, case codes, SMS) to its contact key; no secret."""

    def __init__(self, public: PublicKey) -> None:
        super().__init__(public, "contact", CONTACT_SIZES)

    def seal_for_worker(self, text: str, context: str) -> bytes:
        """Return `text` sealed so that only the worker can open it, bound to `context`.

        `context` is one of crypto.contexts' prefixes joined to the row's ref.
        """
        return self._seal(text.encode("utf-8"), context)


class ContactOpener(_Opener):
    """Open what was sealed for the worker with its contact keys (current and retired)."""

    def __init__(self, private: PrivateKey | Iterable[PrivateKey]) -> None:
        super().__init__(private, "contact")

    def open_for_worker(self, blob: bytes, context: str) -> str:
        """Return the text; raise SealBroken if it was altered or sealed under another context."""
        raw = self._open(blob, context)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SealBroken("sealed contact is not text") from None
