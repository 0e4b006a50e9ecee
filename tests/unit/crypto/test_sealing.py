"""Sealing reports and phone numbers: round trips, tampering, binding to a case, no leaks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto import (
    ContactOpener,
    ContactSealer,
    CryptoError,
    KeyStore,
    ReportOpener,
    ReportSealer,
    SealBroken,
    UnknownKeyId,
)

PHONE = "+258841234567"
FIXTURE_SETTINGS = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_a_sealed_report_opens_to_the_same_bytes(store: KeyStore) -> None:
    blob = ReportSealer(store.report_public()).seal_report(b"he hit me", "case-7")
    assert ReportOpener(store.report_private()).open_report(blob, "case-7") == b"he hit me"


def test_a_sealed_phone_number_opens_to_the_same_number(store: KeyStore) -> None:
    blob = ContactSealer(store.contact_public()).seal_for_worker(PHONE, "case-7")
    assert ContactOpener(store.contact_private()).open_for_worker(blob, "case-7") == PHONE


def test_an_empty_report_round_trips(store: KeyStore) -> None:
    blob = ReportSealer(store.report_public()).seal_report(b"", "c")
    assert ReportOpener(store.report_private()).open_report(blob, "c") == b""


def test_a_blob_starts_with_the_version_and_the_key_id(store: KeyStore) -> None:
    blob = ReportSealer(store.report_public()).seal_report(b"x", "c")
    assert blob[0] == 1
    assert blob[1:9] == store.report_public().key_id


def test_sealing_the_same_report_twice_gives_different_blobs(store: KeyStore) -> None:
    sealer = ReportSealer(store.report_public())
    assert sealer.seal_report(b"same", "c") != sealer.seal_report(b"same", "c")


def test_changing_any_single_byte_of_a_blob_breaks_the_seal(store: KeyStore) -> None:
    blob = ContactSealer(store.contact_public()).seal_for_worker(PHONE, "c")
    opener = ContactOpener(store.contact_private())
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(SealBroken):
            opener.open_for_worker(bytes(tampered), "c")


def test_a_truncated_or_extended_blob_breaks_the_seal(store: KeyStore) -> None:
    blob = ReportSealer(store.report_public()).seal_report(b"content", "c")
    opener = ReportOpener(store.report_private())
    for broken in [b"", blob[:1], blob[:9], blob[:100], blob[:-1], blob + b"\x00"]:
        with pytest.raises(SealBroken):
            opener.open_report(broken, "c")


def test_a_blob_moved_to_another_case_does_not_open(store: KeyStore) -> None:
    report = ReportSealer(store.report_public()).seal_report(b"content", "case-1")
    contact = ContactSealer(store.contact_public()).seal_for_worker(PHONE, "case-1")
    with pytest.raises(SealBroken):
        ReportOpener(store.report_private()).open_report(report, "case-2")
    with pytest.raises(SealBroken):
        ContactOpener(store.contact_private()).open_for_worker(contact, "case-2")


def test_a_blob_sealed_to_another_store_does_not_open(store: KeyStore, tmp_path: Path) -> None:
    other = KeyStore.generate(tmp_path / "other")
    blob = ReportSealer(other.report_public()).seal_report(b"content", "c")
    with pytest.raises(UnknownKeyId):
        ReportOpener(store.report_private()).open_report(blob, "c")


def test_a_blob_relabelled_with_another_key_id_does_not_open(
    store: KeyStore, tmp_path: Path
) -> None:
    other = KeyStore.generate(tmp_path / "other")
    blob = ReportSealer(other.report_public()).seal_report(b"content", "c")
    relabelled = blob[:1] + store.report_public().key_id + blob[9:]
    with pytest.raises(SealBroken):
        ReportOpener(store.report_private()).open_report(relabelled, "c")


def test_a_sealer_or_opener_refuses_the_key_of_the_other_purpose(store: KeyStore) -> None:
    with pytest.raises(CryptoError):
        ReportSealer(store.contact_public())
    with pytest.raises(CryptoError):
        ContactOpener(store.report_private())
    with pytest.raises(CryptoError):
        ReportOpener([])


def test_sealing_needs_a_case_reference(store: KeyStore) -> None:
    with pytest.raises(CryptoError):
        ReportSealer(store.report_public()).seal_report(b"x", "")


def test_blob_length_does_not_tell_a_short_number_from_a_long_one(store: KeyStore) -> None:
    sealer = ContactSealer(store.contact_public())
    assert len(sealer.seal_for_worker("+25884123", "c")) == len(
        sealer.seal_for_worker("+258841234567890", "c")
    )


@FIXTURE_SETTINGS
@given(plaintext=st.binary(max_size=2000), case_ref=st.text(min_size=1, max_size=40))
def test_any_report_round_trips(store: KeyStore, plaintext: bytes, case_ref: str) -> None:
    blob = ReportSealer(store.report_public()).seal_report(plaintext, case_ref)
    assert ReportOpener(store.report_private()).open_report(blob, case_ref) == plaintext


@FIXTURE_SETTINGS
@given(
    filler=st.binary(max_size=500),
    marker=st.binary(min_size=12, max_size=24),
)
def test_no_plaintext_marker_is_visible_in_the_sealed_bytes(
    store: KeyStore, filler: bytes, marker: bytes
) -> None:
    blob = ReportSealer(store.report_public()).seal_report(filler + marker + filler, "c")
    assert marker not in blob


@FIXTURE_SETTINGS
@given(garbage=st.binary(max_size=1500))
def test_garbage_raises_seal_broken_and_nothing_else(store: KeyStore, garbage: bytes) -> None:
    opener = ReportOpener(store.report_private())
    # Give some of the garbage a valid header so it reaches the HPKE decryption.
    for blob in [garbage, bytes([1]) + store.report_public().key_id + garbage]:
        with pytest.raises(SealBroken):
            opener.open_report(blob, "c")


def test_a_report_with_a_description_seals_to_the_same_size_as_one_without(
    store: KeyStore,
) -> None:
    sealer = ReportSealer(store.report_public())
    without = b'{"answers": {"when": "1", "where": "5"}, "kind": "report"}' + b" " * 250
    # The longest description USSD takes (140 characters), each of the widest UTF-8 width.
    described = without + ("\U0001f600" * 140).encode("utf-8")
    assert len(sealer.seal_report(without, "c")) == len(sealer.seal_report(described, "c"))


def test_sealed_lengths_take_only_a_few_fixed_values(store: KeyStore) -> None:
    report = ReportSealer(store.report_public())
    contact = ContactSealer(store.contact_public())
    report_lengths = {len(report.seal_report(b"x" * n, "c")) for n in range(0, 16384, 97)}
    contact_lengths = {len(contact.seal_for_worker("x" * n, "c")) for n in range(0, 4096, 31)}
    assert len(report_lengths) == 3
    assert len(contact_lengths) == 3


def test_past_the_largest_size_blobs_grow_in_steps_of_it(store: KeyStore) -> None:
    sealer = ReportSealer(store.report_public())
    blob = sealer.seal_report(b"x" * 16384, "c")
    assert ReportOpener(store.report_private()).open_report(blob, "c") == b"x" * 16384
    assert len(blob) - len(sealer.seal_report(b"x" * 16383, "c")) == 16384
