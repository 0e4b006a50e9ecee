"""The audit log's chain: each entry is sealed with HMAC over its event and the entry before it.

Storage lives elsewhere; this module only computes and checks seals. Each writing process has its
own audit key (web, worker, desk), so a process can seal only entries in its own name, and
rewriting an entry means resealing every later one, whoever wrote them. The head (how many
entries, and the last seal) is sealed too, so dropping entries from the end shows. Entries
written before the chain was keyed (signer None) keep the unkeyed SHA-256 chain of version 1.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from crypto.errors import CryptoError

GENESIS_HASH = "0" * 64

AuditEvent = Mapping[str, str | int]
AuditRole = Literal["web", "worker", "desk"]
AUDIT_ROLES: tuple[AuditRole, ...] = ("web", "worker", "desk")


def canonical_event(event: AuditEvent) -> bytes:
    """Return the one byte encoding of an event that its seal is computed over."""
    for key, value in event.items():
        # bool is an int, and floats do not round-trip exactly; keep the encoding unambiguous.
        if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, str | int):
            raise CryptoError(f"audit event field {key!r} must map a str to a str or int")
    return json.dumps(
        dict(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """Return the unkeyed (version 1) hash of an event chained to the hash before it."""
    payload = (
        b"handsoff/audit/v1\x00" + prev_hash.encode("ascii") + b"\x00" + canonical_event(event)
    )
    return hashlib.sha256(payload).hexdigest()


def verify_chain(
    entries: Iterable[tuple[str, AuditEvent, str]], start: str = GENESIS_HASH
) -> int | None:
    """Return the index of the first unkeyed (version 1) entry out of chain, or None.

    Each entry is (prev_hash, event, hash). Dropping entries at the end cannot be seen from
    this chain alone; the keyed chain's sealed head sees it.
    """
    expected_prev = start
    for index, (prev_hash, event, entry_hash) in enumerate(entries):
        try:
            recomputed = chain_hash(prev_hash, event)
        except (CryptoError, UnicodeEncodeError):
            return index
        if prev_hash != expected_prev or entry_hash != recomputed:
            return index
        expected_prev = entry_hash
    return None


@dataclass(frozen=True)
class AuditKey:
    """One process role's 32-byte audit key; repr hides it."""

    role: AuditRole
    created: date
    secret: bytes = field(repr=False)


def _entry_payload(signer: str, seq: int, prev: str, event: AuditEvent) -> bytes:
    head = f"handsoff/audit/v2\x00{signer}\x00{seq}\x00{prev}\x00".encode("ascii")
    return head + canonical_event(event)


def _head_payload(signer: str, seq: int, last: str) -> bytes:
    return f"handsoff/audit-head/v2\x00{signer}\x00{seq}\x00{last}".encode("ascii")


def _seal(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


class AuditSigner:
    """Seals audit entries and the chain's head in the name of one process role."""

    def __init__(self, key: AuditKey) -> None:
        self._key = key

    def __repr__(self) -> str:
        return f"AuditSigner({self.role!r})"

    @property
    def role(self) -> AuditRole:
        return self._key.role

    def seal_entry(self, seq: int, prev: str, event: AuditEvent) -> str:
        """Return the seal of entry number `seq`, chained to the seal (or hash) before it."""
        return _seal(self._key.secret, _entry_payload(self.role, seq, prev, event))

    def seal_head(self, seq: int, last: str) -> str:
        """Return the seal of a head saying the chain has `seq` entries ending in `last`."""
        return _seal(self._key.secret, _head_payload(self.role, seq, last))


@dataclass(frozen=True)
class ChainEntry:
    """One stored entry as the verifier sees it; signer None: an unkeyed version 1 entry."""

    seq: int
    signer: str | None
    prev: str
    event: AuditEvent
    seal: str


@dataclass(frozen=True)
class ChainHead:
    """The stored head: how many entries, the last seal, and who sealed the head."""

    seq: int
    last: str
    signer: str | None
    seal: str | None


@dataclass(frozen=True)
class Anchor:
    """A checkpoint kept away from the database: entry `seq` had seal `seal`."""

    seq: int
    seal: str


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain first fails: the entry's number and position (None: after the end)."""

    seq: int
    index: int | None
    reason: str


class AuditVerifier:
    """Checks the whole chain with every role's audit key (an auditor holds all three)."""

    def __init__(self, keys: Iterable[AuditKey]) -> None:
        self._secrets: dict[str, bytes] = {key.role: key.secret for key in keys}

    def __repr__(self) -> str:
        return f"AuditVerifier({sorted(self._secrets)!r})"

    def _holds(self, signer: str | None, payload: bytes, seal: str | None) -> bool:
        secret = self._secrets.get(signer or "")
        if secret is None or seal is None:
            return False
        return hmac.compare_digest(_seal(secret, payload), seal)

    def first_break(
        self, entries: Sequence[ChainEntry], head: ChainHead | None, anchor: Anchor | None = None
    ) -> ChainBreak | None:
        """Return the first edited, inserted, missing or unsealed place, or None if all holds."""
        expected_prev = GENESIS_HASH
        keyed = False
        for index, entry in enumerate(entries):
            problem = self._entry_problem(entry, index, expected_prev, keyed)
            if problem is not None:
                return ChainBreak(entry.seq, index, problem)
            keyed = keyed or entry.signer is not None
            expected_prev = entry.seal
        count = len(entries)
        problem = self._head_problem(head, count, expected_prev, keyed)
        if problem is not None:
            # Name the first entry the head and the rows disagree on: the first one missing.
            first = min(count, head.seq) + 1 if head is not None else count + 1
            return ChainBreak(first, None, problem)
        if anchor is not None:
            return _anchor_break(entries, anchor)
        return None

    def _entry_problem(
        self, entry: ChainEntry, index: int, expected_prev: str, keyed: bool
    ) -> str | None:
        if entry.seq != index + 1:
            return f"numbered {entry.seq} where {index + 1} was due: entries removed or inserted"
        if entry.prev != expected_prev:
            return "does not follow the entry before it: an entry was removed or replaced"
        if entry.signer is None:
            if keyed:
                return "an unkeyed entry after keyed ones"
            try:
                intact = chain_hash(entry.prev, entry.event) == entry.seal
            except (CryptoError, UnicodeEncodeError):
                intact = False
            return None if intact else "edited (its hash does not match)"
        try:
            payload = _entry_payload(entry.signer, entry.seq, entry.prev, entry.event)
        except (CryptoError, UnicodeEncodeError):
            return "edited (it cannot be encoded)"
        if entry.signer not in self._secrets:
            return f"signed by an unknown writer {entry.signer!r}"
        if not self._holds(entry.signer, payload, entry.seal):
            return "edited or forged (its seal does not match)"
        return None

    def _head_problem(
        self, head: ChainHead | None, count: int, last: str, keyed: bool
    ) -> str | None:
        if head is None:
            return None if count == 0 else "the head row is missing"
        if head.seal is None and not keyed:
            # Nothing keyed yet (entries from before the keyed chain, or none): the unkeyed head.
            return None if head.last == last else "entries were removed from the end"
        if head.signer is None or not self._holds(
            head.signer, _head_payload(head.signer, head.seq, head.last), head.seal
        ):
            return "the head's seal does not match: the head was rewritten"
        if head.seq != count or head.last != last:
            return f"truncated: the head counts {head.seq} entries, {count} found"
        return None


def _anchor_break(entries: Sequence[ChainEntry], anchor: Anchor) -> ChainBreak | None:
    if anchor.seq > len(entries):
        return ChainBreak(len(entries) + 1, None, f"truncated below the checkpoint at {anchor.seq}")
    if anchor.seq >= 1 and entries[anchor.seq - 1].seal != anchor.seal:
        return ChainBreak(anchor.seq, anchor.seq - 1, "differs from the checkpoint kept for it")
    return None
