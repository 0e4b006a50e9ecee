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
from crypto.errors import CryptoError, KeyFileInvalid, KeyFileMissing
from crypto.keys import (
    KEY_NAMES,
    MLKEM768_PUBLIC_BYTES,
    MLKEM768_SEED_BYTES,
    SECRET_BYTES,
    SECRET_FIELDS,
    X25519_BYTES,
    KeyName,
    PrivateKey,
    PublicKey,
    Secrets,
    generate_private_key,
    generate_secrets,
)

Role = Literal["web", "worker", "desk", "auditor"]

FORMAT = "handsoff-keys/1"
SECRETS_FILE = "secrets.json"


def audit_file(role: AuditRole) -> str:
    """Return the file name of one process role's audit key."""
    return f"audit.{role}.json"


# Least privilege per process (DESIGN.md): the internet-facing web process never holds a private
# key; the worker only opens contacts; the desk opens reports and seals notes back to its own key.
# Each of the three seals audit entries with its own audit key; the auditor (who runs `handsoff
# audit verify`) holds the three audit keys and nothing else.
ROLE_FILES: Mapping[Role, tuple[str, ...]] = {
    "web": ("report.public.json", "contact.public.json", SECRETS_FILE, audit_file("web")),
    "worker": ("contact.private.json", "contact.public.json", audit_file("worker")),
    # The contact public key seals the code of a case structured on the desk for the worker's
    # alerts (as the web does); it opens nothing.
    "desk": (
        "report.private.json",
        "report.public.json",
        "contact.public.json",
        SECRETS_FILE,
        audit_file("desk"),
    ),
    "auditor": tuple(audit_file(role) for role in AUDIT_ROLES),
}

T = TypeVar("T")


def public_file(name: KeyName) -> str:
    """Return the file name of a public key."""
    return f"{name}.public.json"


def private_file(name: KeyName) -> str:
    """Return the file name of a private key ring (current key first, then retired ones)."""
    return f"{name}.private.json"


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
        """Write every missing key file and return the store; existing files are never replaced."""
        store = cls(path)
        store._make_folder()
        # Audit keys belong to a full folder: a fresh one, or one already holding both private
        # rings. A folder provisioned for one role must not get another role's audit key (it
        # would not match the one the auditor verifies with).
        makes_audit_keys = store._is_fresh() or all(
            store._file(private_file(name)).exists() for name in KEY_NAMES
        )
        created: list[str] = []
        for name in KEY_NAMES:
            created.extend(store._generate_pair(name))
        secrets_text = _secrets_to_json(generate_secrets(_today()))
        if store._write_new(SECRETS_FILE, secrets_text):
            created.append(SECRETS_FILE)
        if makes_audit_keys:
            created.extend(store._generate_audit_keys())
        store.created = tuple(created)
        return store

    def _is_fresh(self) -> bool:
        return not any(self._file(name).exists() for name in _all_key_files())

    def _generate_audit_keys(self) -> list[str]:
        created: list[str] = []
        for role in AUDIT_ROLES:
            key = AuditKey(role, _today(), random_source.token_bytes(SECRET_BYTES))
            if self._write_new(audit_file(role), _audit_key_to_json(key)):
                created.append(audit_file(role))
        return created

    def _generate_pair(self, name: KeyName) -> list[str]:
        has_private = self._file(private_file(name)).exists()
        has_public = self._file(public_file(name)).exists()
        if has_public and not has_private:
            # A provisioned public-only folder: a fresh private key would not match the public one.
            return []
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
        if target.path.resolve() == self.path.resolve():
            raise CryptoError("export destination is the key folder itself")
        allowed = ROLE_FILES[role]
        forbidden = [
            name for name in _all_key_files() if name not in allowed and target._file(name).exists()
        ]
        if forbidden:
            raise CryptoError(f"{target.path} already holds {', '.join(forbidden)}, not for {role}")
        contents = {name: self._read_text(name) for name in allowed}
        target._make_folder()
        for name, text in contents.items():
            target._replace(name, text)
        return target

    # -- reading ------------------------------------------------------------------------------

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

    def secrets(self) -> Secrets:
        """Return the symmetric secrets (session key, pseudonym pepper, code and officer keys)."""
        return self._load(SECRETS_FILE, _secrets_from_json)

    def audit_key(self, role: AuditRole) -> AuditKey:
        """Return the audit key one process role seals its audit entries with."""
        return self._load(audit_file(role), lambda data: _audit_key_from_json(role, data))

    def audit_signer(self, role: AuditRole) -> AuditSigner:
        """Return the signer a process appends audit entries with, in its role's name."""
        return AuditSigner(self.audit_key(role))

    def audit_verifier(self) -> AuditVerifier:
        """Return a verifier holding every role's audit key (an auditor's or a full folder)."""
        return AuditVerifier(self.audit_key(role) for role in AUDIT_ROLES)

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


def _all_key_files() -> tuple[str, ...]:
    names = [f(name) for name in KEY_NAMES for f in (public_file, private_file)]
    return (*names, SECRETS_FILE, *(audit_file(role) for role in AUDIT_ROLES))


def _dump(data: Mapping[str, object]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _unb64(data: Mapping[str, Any], field_name: str, length: int) -> bytes:
    raw = base64.b64decode(data[field_name], validate=True)
    if len(raw) != length:
        raise _FormatProblem(f"{field_name} must be {length} bytes")
    return raw


def _check_name(name: KeyName, kind: str, data: Mapping[str, Any]) -> None:
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


def _secrets_to_json(secrets: Secrets) -> str:
    data: dict[str, object] = {
        "format": FORMAT,
        "kind": "secrets",
        "created": secrets.created.isoformat(),
    }
    data.update({name: _b64(getattr(secrets, name)) for name in SECRET_FIELDS})
    return _dump(data)


def _secrets_from_json(data: Mapping[str, Any]) -> Secrets:
    if data.get("kind") != "secrets":
        raise _FormatProblem("expected the secrets file")
    return Secrets(
        created=date.fromisoformat(data["created"]),
        session_key=_unb64(data, "session_key", SECRET_BYTES),
        pseudonym_pepper=_unb64(data, "pseudonym_pepper", SECRET_BYTES),
        code_key=_unb64(data, "code_key", SECRET_BYTES),
        officer_key=_unb64(data, "officer_key", SECRET_BYTES),
    )
