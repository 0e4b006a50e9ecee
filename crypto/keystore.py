"""Key files in one folder: create them once, read them per process, rotate, export per role."""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets as random_source
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from crypto.audit import AUDIT_ROLES, AuditKey, AuditRole, AuditSigner, AuditVerifier
from crypto.errors import CryptoError, ForbiddenKeyFile, KeyFileInvalid, KeyFileMissing
from crypto.keys import (
    KEY_NAMES,
    MLKEM768_PUBLIC_BYTES,
    MLKEM768_SEED_BYTES,
    SECRET_BYTES,
    SECRET_NAMES,
    X25519_BYTES,
    KeyName,
    PrivateKey,
    PublicKey,
    SecretName,
    generate_private_key,
    generate_secret,
)

Role = Literal["web", "worker", "desk", "auditor"]

ROLES: tuple[Role, ...] = ("web", "worker", "desk", "auditor")

FORMAT = "handsoff-keys/1"
# Before each secret had a file of its own, one file held all four, the number key included: a
# folder holding it is refused by every production role, and `KeyStore.generate` splits it.
LEGACY_SECRETS_FILE = "secrets.json"


def public_file(name: KeyName) -> str:
    """Return the file name of a public key."""
    return f"{name}.public.json"


def private_file(name: KeyName) -> str:
    """Return the file name of a private key ring (current key first, then retired ones)."""
    return f"{name}.private.json"


def secret_file(name: SecretName) -> str:
    """Return the file name of one symmetric secret."""
    return f"{name}.secret.json"


def audit_file(role: AuditRole) -> str:
    """Return the file name of one process role's audit key."""
    return f"audit.{role}.json"


# Least privilege per process (docs/architecture.md, docs/keys.md). The internet-facing web
# holds no private key and no key that can reverse a digest stored in SQL (the number key); the
# worker opens contacts and seals what it receives to the desk, never opens a report; the desk
# opens reports.
# Each of the three seals audit entries with its own audit key (which opens nothing); the auditor
# (who runs `handsoff audit verify`) holds the three audit keys and nothing else.
ROLE_FILES: Mapping[Role, tuple[str, ...]] = {
    "web": (
        public_file("report"),
        public_file("contact"),
        secret_file("session"),
        secret_file("pseudonym"),
        secret_file("code"),
        audit_file("web"),
    ),
    "worker": (
        private_file("contact"),
        public_file("contact"),
        public_file("report"),
        secret_file("pseudonym"),
        secret_file("code"),
        secret_file("number"),
        audit_file("worker"),
    ),
    # The desk finds a typed case code by its digest (the code key) and shows each row's code from
    # the web's copy (the session key), so listing the queue opens no sealed content; the contact
    # public key seals the code of a case structured on the desk for the worker. It opens nothing
    # a number is in.
    "desk": (
        private_file("report"),
        public_file("report"),
        public_file("contact"),
        secret_file("session"),
        secret_file("code"),
        secret_file("desk"),
        audit_file("desk"),
    ),
    "auditor": tuple(audit_file(role) for role in AUDIT_ROLES),
}

T = TypeVar("T")


def _today() -> date:
    return datetime.now(UTC).date()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class KeyStore:
    """A folder of key files (0700, files 0600); each accessor reads only the file it needs."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        # Which files `generate` wrote, so the caller can warn loudly; empty when just opened.
        self.created: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"KeyStore({str(self.path)!r})"

    # -- creating -----------------------------------------------------------------------------

    @classmethod
    def generate(cls, path: str | os.PathLike[str]) -> KeyStore:
        """Write every missing key file and return the store; existing files are never replaced.

        Only `handsoff keys init` (on an offline admin machine) and the embedded default call
        this: a production process never generates keys.
        """
        store = cls(path)
        store._make_folder()
        if store._is_a_role_export():
            # A host's share: fresh keys or secrets here would match nothing the others hold.
            return store
        created: list[str] = []
        for name in KEY_NAMES:
            created.extend(store._generate_pair(name))
        legacy = store._legacy_secrets()
        for secret in SECRET_NAMES:
            value = legacy.get(secret) or generate_secret()
            if store._write_new(secret_file(secret), _secret_to_json(secret, value)):
                created.append(secret_file(secret))
        for role in AUDIT_ROLES:
            key = AuditKey(role, _today(), random_source.token_bytes(SECRET_BYTES))
            if store._write_new(audit_file(role), _audit_key_to_json(key)):
                created.append(audit_file(role))
        if legacy:
            # Split into one file per secret above (same values, so stored digests still match).
            store._file(LEGACY_SECRETS_FILE).unlink()
            store._sync_folder()
        store.created = tuple(created)
        return store

    def _is_a_role_export(self) -> bool:
        """Whether the folder is one host's share: a public key without its private half, or
        audit keys alone (the auditor's)."""
        return any(
            self._file(public_file(name)).exists() and not self._file(private_file(name)).exists()
            for name in KEY_NAMES
        ) or (
            not any(self._file(private_file(name)).exists() for name in KEY_NAMES)
            and any(self._file(audit_file(role)).exists() for role in AUDIT_ROLES)
        )

    def _legacy_secrets(self) -> dict[SecretName, bytes]:
        """Read the old combined secrets file, if any, under today's secret names."""
        if not self._file(LEGACY_SECRETS_FILE).exists():
            return {}
        return self._load(LEGACY_SECRETS_FILE, _legacy_secrets_from_json)

    def _generate_pair(self, name: KeyName) -> list[str]:
        has_private = self._file(private_file(name)).exists()
        has_public = self._file(public_file(name)).exists()
        created: list[str] = []
        if not has_private:
            key = generate_private_key(name, _today())
            if self._write_new(private_file(name), _ring_to_json(name, [key])):
                created.append(private_file(name))
        current = self.private_keys(name)[0].public()
        if has_public:
            if self.public_key(name).key_id != current.key_id:
                raise KeyFileInvalid(
                    self._file(public_file(name)), "does not match the private key"
                )
        elif self._write_new(public_file(name), _public_to_json(current)):
            created.append(public_file(name))
        return created

    def rotate(self, name: KeyName) -> PublicKey:
        """Make a new current key pair for `name`, keep the old private keys as retired."""
        ring = self.private_keys(name)
        today = _today()
        fresh = generate_private_key(name, today)
        kept = [key if key.retired else key.retire(today) for key in ring]
        # Private ring first: if we stop half-way, blobs sealed to either public key still open.
        self._replace(private_file(name), _ring_to_json(name, [fresh, *kept]))
        public = fresh.public()
        self._replace(public_file(name), _public_to_json(public))
        return public

    def destroy_retired_key(self, name: KeyName, key_id: bytes) -> None:
        """Delete a retired private key so that blobs sealed to it can never be opened again."""
        ring = self.private_keys(name)
        if ring[0].key_id == key_id:
            raise CryptoError(f"refusing to destroy the current {name} key; rotate first")
        kept = [key for key in ring if key.key_id != key_id]
        if len(kept) == len(ring):
            raise CryptoError(f"no retired {name} key with id {key_id.hex()}")
        self._replace(private_file(name), _ring_to_json(name, kept))

    def export(self, dest: str | os.PathLike[str], role: Role) -> KeyStore:
        """Copy the files one process role may hold into `dest`, refusing any it must not hold."""
        target = KeyStore(dest)
        if target.path.exists() and target.path.resolve() == self.path.resolve():
            raise CryptoError("export destination is the key folder itself")
        allowed = ROLE_FILES[role]
        if target.path.exists():
            target.check_role(role)
        contents = {name: self._read_text(name) for name in allowed}
        target._make_folder()
        for name, text in contents.items():
            target._replace(name, text)
        return target

    def check_role(self, role: Role) -> None:
        """Refuse a folder holding any file that `role` must not hold; name every such file.

        An allow-list, not a deny-list: a private key copied under another name (a backup, a
        half-written temporary file) is refused as well.
        """
        allowed = set(ROLE_FILES[role])
        try:
            present = sorted(entry.name for entry in self.path.iterdir())
        except FileNotFoundError:
            return  # Nothing held; each accessor says which file is missing.
        forbidden = [name for name in present if name not in allowed]
        if forbidden:
            raise ForbiddenKeyFile(self.path, role, tuple(forbidden))

    # -- reading ------------------------------------------------------------------------------

    def audit_key(self, role: AuditRole) -> AuditKey:
        """Return the audit key one process role seals its audit entries with."""
        return self._load(audit_file(role), lambda data: _audit_key_from_json(role, data))

    def audit_signer(self, role: AuditRole) -> AuditSigner:
        """Return the signer a process appends audit entries with, in its role's name."""
        return AuditSigner(self.audit_key(role))

    def audit_verifier(self) -> AuditVerifier:
        """Return a verifier holding every role's audit key (an auditor's or a full folder)."""
        return AuditVerifier(self.audit_key(role) for role in AUDIT_ROLES)

    def report_public(self) -> PublicKey:
        """Return the current public key that reports are sealed to."""
        return self.public_key("report")

    def contact_public(self) -> PublicKey:
        """Return the current public key that reporters' phone numbers are sealed to."""
        return self.public_key("contact")

    def report_private(self) -> tuple[PrivateKey, ...]:
        """Return the report private keys, current first, then retired ones."""
        return self.private_keys("report")

    def contact_private(self) -> tuple[PrivateKey, ...]:
        """Return the contact private keys, current first, then retired ones."""
        return self.private_keys("contact")

    def public_key(self, name: KeyName) -> PublicKey:
        """Return the current public key of `name`."""
        return self._load(public_file(name), lambda data: _public_from_json(name, data))

    def private_keys(self, name: KeyName) -> tuple[PrivateKey, ...]:
        """Return the private key ring of `name`, current first."""
        return self._load(private_file(name), lambda data: _ring_from_json(name, data))

    def secret(self, name: SecretName) -> bytes:
        """Return one symmetric secret (see `crypto.keys.SECRET_PURPOSES`)."""
        return self._load(secret_file(name), lambda data: _secret_from_json(name, data))

    def session_key(self) -> bytes:
        """Return the key that encrypts USSD session state."""
        return self.secret("session")

    def pseudonym_pepper(self) -> bytes:
        """Return the pepper of the daily caller pseudonyms (Redis only)."""
        return self.secret("pseudonym")

    def desk_key(self) -> bytes:
        """Return the desk's own secret: its session cookies and sealed TOTP secrets."""
        return self.secret("desk")

    def code_key(self) -> bytes:
        """Return the key of case-code digests and of the keyed step of PIN digests."""
        return self.secret("code")

    def number_pepper(self) -> bytes:
        """Return the key of the lasting phone-number digests stored in SQL."""
        return self.secret("number")

    # -- files --------------------------------------------------------------------------------

    def _file(self, name: str) -> Path:
        return self.path / name

    def _make_folder(self) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkdir's mode is masked by umask and ignored for an existing folder; set it outright.
        os.chmod(self.path, 0o700)

    def _read_text(self, name: str) -> str:
        path = self._file(name)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise KeyFileMissing(path) from None
        except (OSError, UnicodeDecodeError) as error:
            raise KeyFileInvalid(path, type(error).__name__) from None

    def _load(self, name: str, parse: Callable[[dict[str, Any]], T]) -> T:
        path = self._file(name)
        text = self._read_text(name)
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} file")
            return parse(data)
        # Never chain the parse error: its message could quote key material from the file.
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            reason = str(error) if isinstance(error, _FormatProblem) else type(error).__name__
            raise KeyFileInvalid(path, reason) from None
        except CryptoError as error:
            raise KeyFileInvalid(path, str(error)) from None

    def _write_temp(self, text: str) -> Path:
        temp = self._file(f".{random_source.token_hex(8)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        return temp

    def _write_new(self, name: str, text: str) -> bool:
        """Write a file only if it does not exist yet; return whether this call wrote it."""
        temp = self._write_temp(text)
        try:
            # link() fails if the name exists, so two processes generating at once cannot clobber.
            os.link(temp, self._file(name))
        except FileExistsError:
            return False
        finally:
            temp.unlink()
        self._sync_folder()
        return True

    def _replace(self, name: str, text: str) -> None:
        temp = self._write_temp(text)
        os.replace(temp, self._file(name))
        self._sync_folder()

    def _sync_folder(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _FormatProblem(ValueError):
    """A key file is well-formed JSON but not what we expect; safe to show the message."""


def _dump(data: Mapping[str, object]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _unb64(data: Mapping[str, Any], field_name: str, length: int) -> bytes:
    raw = base64.b64decode(data[field_name], validate=True)
    if len(raw) != length:
        raise _FormatProblem(f"{field_name} must be {length} bytes")
    return raw


def _check_name(name: str, kind: str, data: Mapping[str, Any]) -> None:
    if data.get("name") != name or data.get("kind") != kind:
        raise _FormatProblem(f"expected the {name} {kind} key")


def _public_to_json(key: PublicKey) -> str:
    return _dump(
        {
            "format": FORMAT,
            "kind": "public",
            "name": key.name,
            "key_id": key.key_id.hex(),
            "created": key.created.isoformat(),
            "mlkem768_public": _b64(key.mlkem_public),
            "x25519_public": _b64(key.x25519_public),
        }
    )


def _public_from_json(name: KeyName, data: Mapping[str, Any]) -> PublicKey:
    _check_name(name, "public", data)
    key = PublicKey(
        name=name,
        created=date.fromisoformat(data["created"]),
        mlkem_public=_unb64(data, "mlkem768_public", MLKEM768_PUBLIC_BYTES),
        x25519_public=_unb64(data, "x25519_public", X25519_BYTES),
    )
    if key.key_id.hex() != data["key_id"]:
        raise _FormatProblem("key_id does not match the key")
    key.to_hpke()  # reject a malformed key now rather than at the first seal
    return key


def _ring_to_json(name: KeyName, ring: list[PrivateKey]) -> str:
    return _dump(
        {
            "format": FORMAT,
            "kind": "private",
            "name": name,
            "keys": [
                {
                    "key_id": key.key_id.hex(),
                    "created": key.created.isoformat(),
                    "retired": key.retired.isoformat() if key.retired else None,
                    "mlkem768_seed": _b64(key.mlkem_seed),
                    "x25519_private": _b64(key.x25519_private),
                }
                for key in ring
            ],
        }
    )


def _ring_from_json(name: KeyName, data: Mapping[str, Any]) -> tuple[PrivateKey, ...]:
    _check_name(name, "private", data)
    ring: list[PrivateKey] = []
    for entry in data["keys"]:
        retired = entry["retired"]
        key = PrivateKey(
            name=name,
            created=date.fromisoformat(entry["created"]),
            mlkem_seed=_unb64(entry, "mlkem768_seed", MLKEM768_SEED_BYTES),
            x25519_private=_unb64(entry, "x25519_private", X25519_BYTES),
            retired=date.fromisoformat(retired) if retired else None,
        )
        if key.key_id.hex() != entry["key_id"]:
            raise _FormatProblem("key_id does not match the key")
        ring.append(key)
    if not ring or ring[0].retired is not None:
        raise _FormatProblem("the first key must be the current, unretired one")
    return tuple(ring)


def _audit_key_to_json(key: AuditKey) -> str:
    return _dump(
        {
            "format": FORMAT,
            "kind": "audit",
            "role": key.role,
            "created": key.created.isoformat(),
            "key": _b64(key.secret),
        }
    )


def _audit_key_from_json(role: AuditRole, data: Mapping[str, Any]) -> AuditKey:
    if data.get("kind") != "audit" or data.get("role") != role:
        raise _FormatProblem(f"expected the {role} audit key")
    return AuditKey(
        role=role,
        created=date.fromisoformat(data["created"]),
        secret=_unb64(data, "key", SECRET_BYTES),
    )


def _secret_to_json(name: SecretName, value: bytes) -> str:
    return _dump(
        {
            "format": FORMAT,
            "kind": "secret",
            "name": name,
            "created": _today().isoformat(),
            "key": _b64(value),
        }
    )


def _secret_from_json(name: SecretName, data: Mapping[str, Any]) -> bytes:
    _check_name(name, "secret", data)
    return _unb64(data, "key", SECRET_BYTES)


# The old combined file's field names, mapped to today's secret names.
_LEGACY_FIELDS: dict[SecretName, str] = {
    "session": "session_key",
    "pseudonym": "pseudonym_pepper",
    "code": "code_key",
    "number": "officer_key",
}


def _legacy_secrets_from_json(data: Mapping[str, Any]) -> dict[SecretName, bytes]:
    if data.get("kind") != "secrets":
        raise _FormatProblem("expected the secrets file")
    return {name: _unb64(data, field, SECRET_BYTES) for name, field in _LEGACY_FIELDS.items()}
