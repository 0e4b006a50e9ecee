"""The audit log's hash chain: each entry's hash covers its event and the previous hash.

Storage lives elsewhere; this module only computes and checks hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from crypto.errors import CryptoError

GENESIS_HASH = "0" * 64

AuditEvent = Mapping[str, str | int]


def canonical_event(event: AuditEvent) -> bytes:
    """Return the one byte encoding of an event that its hash is computed over."""
    for key, value in event.items():
        # bool is an int, and floats do not round-trip exactly; keep the encoding unambiguous.
        if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, str | int):
            raise CryptoError(f"audit event field {key!r} must map a str to a str or int")
    return json.dumps(
        dict(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """Return the hash of an event chained to the hash of the entry before it."""
    payload = (
        b"handsoff/audit/v1\x00" + prev_hash.encode("ascii") + b"\x00" + canonical_event(event)
    )
    return hashlib.sha256(payload).hexdigest()


def verify_chain(
    entries: Iterable[tuple[str, AuditEvent, str]], start: str = GENESIS_HASH
) -> int | None:
    """Return the index of the first entry that is edited or out of chain, or None if all hold.

    Each entry is (prev_hash, event, hash). The first entry must follow `start` (the genesis
    hash for a whole log). Dropping entries at the end cannot be seen from the chain alone.
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
