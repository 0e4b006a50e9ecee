"""The audit hash chain: building it and finding the first broken entry."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from crypto import GENESIS_HASH, CryptoError, chain_hash, verify_chain

Entry = tuple[str, Mapping[str, str | int], str]


def build_chain(events: list[Mapping[str, str | int]]) -> list[Entry]:
    entries: list[Entry] = []
    prev = GENESIS_HASH
    for event in events:
        entry_hash = chain_hash(prev, event)
        entries.append((prev, event, entry_hash))
        prev = entry_hash
    return entries


EVENTS: list[Mapping[str, str | int]] = [
    {"action": "open_report", "case": "c1", "staff": 3, "at": "2025-01-01T10:00:00Z"},
    {"action": "export", "case": "c1", "staff": 3, "at": "2025-01-01T10:05:00Z"},
    {"action": "status", "case": "c2", "staff": 4, "to": "handled"},
]


def test_an_untouched_chain_verifies() -> None:
    assert verify_chain(build_chain(EVENTS)) is None


def test_an_empty_chain_verifies() -> None:
    assert verify_chain([]) is None


def test_an_edited_event_is_found() -> None:
    entries = build_chain(EVENTS)
    prev, event, entry_hash = entries[1]
    entries[1] = (prev, {**event, "case": "c9"}, entry_hash)
    assert verify_chain(entries) == 1


def test_an_edited_event_with_its_hash_recomputed_breaks_the_next_link() -> None:
    entries = build_chain(EVENTS)
    prev, event, _ = entries[1]
    edited = {**event, "staff": 5}
    entries[1] = (prev, edited, chain_hash(prev, edited))
    assert verify_chain(entries) == 2


def test_a_deleted_entry_is_found() -> None:
    entries = build_chain(EVENTS)
    del entries[1]
    assert verify_chain(entries) == 1


def test_a_chain_not_starting_from_genesis_is_found() -> None:
    entries = build_chain(EVENTS)
    assert verify_chain(entries[1:]) == 0
    assert verify_chain(entries[1:], start=entries[0][2]) is None


def test_the_hash_does_not_depend_on_key_order() -> None:
    assert chain_hash(GENESIS_HASH, {"a": "1", "b": 2}) == chain_hash(
        GENESIS_HASH, {"b": 2, "a": "1"}
    )


def test_a_string_and_an_int_of_the_same_digits_hash_differently() -> None:
    assert chain_hash(GENESIS_HASH, {"staff": 3}) != chain_hash(GENESIS_HASH, {"staff": "3"})


def test_values_other_than_str_and_int_are_refused() -> None:
    with pytest.raises(CryptoError):
        chain_hash(GENESIS_HASH, {"flag": True})
    with pytest.raises(CryptoError):
        chain_hash(GENESIS_HASH, {"ratio": 0.5})  # type: ignore[dict-item]  # a float is the wrong type under test
