"""The keyed audit chain: per-role seals, a sealed head, and the first break it finds."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date

from crypto import (
    GENESIS_HASH,
    Anchor,
    AuditKey,
    AuditSigner,
    AuditVerifier,
    ChainEntry,
    ChainHead,
    chain_hash,
)
from crypto.audit import AuditRole

KEYS = {
    role: AuditKey(role, date(2026, 1, 1), secrets.token_bytes(32))
    for role in ("web", "worker", "desk")
}
VERIFIER = AuditVerifier(KEYS.values())
ROLES: list[AuditRole] = ["worker", "web", "desk", "web", "desk"]


def build(roles: list[AuditRole], start: str = GENESIS_HASH, first: int = 1) -> list[ChainEntry]:
    entries: list[ChainEntry] = []
    prev = start
    for offset, role in enumerate(roles):
        seq = first + offset
        event = {"action": f"step{seq}", "actor": role, "case_id": seq}
        seal = AuditSigner(KEYS[role]).seal_entry(seq, prev, event)
        entries.append(ChainEntry(seq, role, prev, event, seal))
        prev = seal
    return entries


def head_of(entries: list[ChainEntry], role: AuditRole = "desk") -> ChainHead:
    last = entries[-1]
    return ChainHead(
        last.seq, last.seal, role, AuditSigner(KEYS[role]).seal_head(last.seq, last.seal)
    )


def test_an_intact_chain_with_its_sealed_head_holds() -> None:
    entries = build(ROLES)
    assert VERIFIER.first_break(entries, head_of(entries)) is None
    assert VERIFIER.first_break([], None) is None


def test_an_edited_event_is_named() -> None:
    entries = build(ROLES)
    entries[2] = replace(entries[2], event={**entries[2].event, "detail": "changed"})
    broken = VERIFIER.first_break(entries, head_of(entries))
    assert broken is not None and broken.seq == 3 and "seal" in broken.reason


def test_relabelling_an_entry_as_another_writers_is_caught() -> None:
    entries = build(ROLES)
    entries[1] = replace(entries[1], signer="desk")
    broken = VERIFIER.first_break(entries, head_of(entries))
    assert broken is not None and broken.seq == 2


def test_a_writer_cannot_reseal_an_entry_made_by_another_role() -> None:
    entries = build(ROLES)
    # The web's key, stolen, rewrites the desk's entry 3 and reseals everything after it.
    forged_event = {**entries[2].event, "action": "nothing_happened"}
    web = AuditSigner(KEYS["web"])
    entries[2] = replace(
        entries[2], event=forged_event, seal=web.seal_entry(3, entries[1].seal, forged_event)
    )
    broken = VERIFIER.first_break(entries, head_of(entries))
    assert broken is not None and broken.seq == 3


def test_a_deleted_entry_in_the_middle_is_named_by_the_entry_after_the_gap() -> None:
    entries = build(ROLES)
    del entries[1]
    broken = VERIFIER.first_break(entries, head_of(entries))
    assert broken is not None and broken.seq == 3 and "removed or inserted" in broken.reason


def test_an_inserted_entry_cannot_be_sealed_without_a_key() -> None:
    entries = build(ROLES)
    fake = ChainEntry(3, "web", entries[1].seal, {"action": "fake"}, "f" * 64)
    entries.insert(2, fake)
    entries[3:] = [replace(e, seq=e.seq + 1) for e in entries[3:]]
    broken = VERIFIER.first_break(entries, head_of(entries))
    assert broken is not None and broken.seq == 3


def test_an_entry_signed_by_an_unknown_writer_is_refused() -> None:
    entries = build(ROLES)
    entries[0] = replace(entries[0], signer="root")
    broken = VERIFIER.first_break(entries, head_of(entries))
    assert broken is not None and broken.seq == 1 and "unknown" in broken.reason


def test_cutting_entries_off_the_end_shows_against_the_sealed_head() -> None:
    entries = build(ROLES)
    head = head_of(entries)
    broken = VERIFIER.first_break(entries[:3], head)
    assert broken is not None and broken.seq == 4 and "truncated" in broken.reason
    assert broken.index is None


def test_a_head_rewritten_to_match_a_shorter_chain_fails_its_seal() -> None:
    entries = build(ROLES)[:3]
    head = ChainHead(3, entries[-1].seal, "desk", "0" * 64)
    broken = VERIFIER.first_break(entries, head)
    assert broken is not None and "head" in broken.reason
    assert VERIFIER.first_break(entries, ChainHead(3, entries[-1].seal, None, None)) is not None
    assert VERIFIER.first_break(entries, None) is not None


def test_entries_from_before_the_keyed_chain_are_pinned_by_the_first_keyed_one() -> None:
    legacy: list[ChainEntry] = []
    prev = GENESIS_HASH
    for seq in (1, 2):
        event = {"action": f"old{seq}"}
        digest = chain_hash(prev, event)
        legacy.append(ChainEntry(seq, None, prev, event, digest))
        prev = digest
    # Before anything keyed: the unkeyed head, as migration 0004 leaves it.
    assert VERIFIER.first_break(legacy, ChainHead(2, prev, None, None)) is None
    keyed = build(["web", "desk"], start=prev, first=3)
    chain = legacy + keyed
    assert VERIFIER.first_break(chain, head_of(chain)) is None
    # Rewriting an old entry (its unkeyed hash recomputed) breaks the first keyed one.
    event = {"action": "rewritten"}
    digest = chain_hash(GENESIS_HASH, event)
    second = replace(legacy[1], prev=digest, seal=chain_hash(digest, legacy[1].event))
    tampered = [ChainEntry(1, None, GENESIS_HASH, event, digest), second, *keyed]
    broken = VERIFIER.first_break(tampered, head_of(chain))
    assert broken is not None and broken.seq == 3
    # An unkeyed entry may not follow keyed ones (a downgrade of the tail).
    downgraded = [
        *chain[:3],
        replace(chain[3], signer=None, seal=chain_hash(chain[3].prev, chain[3].event)),
    ]
    broken = VERIFIER.first_break(downgraded, head_of(downgraded))
    assert broken is not None and broken.seq == 4


def test_a_checkpoint_catches_a_rewrite_by_someone_holding_every_key() -> None:
    entries = build(ROLES)
    anchor = Anchor(4, entries[3].seal)
    assert VERIFIER.first_break(entries, head_of(entries), anchor) is None
    rebuilt = build(["desk", "desk", "desk"])
    broken = VERIFIER.first_break(rebuilt, head_of(rebuilt), anchor)
    assert broken is not None and broken.seq == 4 and "checkpoint" in broken.reason
    rebuilt = build(["desk", "desk", "desk", "desk", "desk"])
    broken = VERIFIER.first_break(rebuilt, head_of(rebuilt), anchor)
    assert broken is not None and broken.seq == 4
