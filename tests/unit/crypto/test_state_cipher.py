"""Session-state encryption: round trips and refusals."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto import CryptoError, SealBroken, StateCipher

KEY = bytes(range(32))


def test_sealed_state_opens_with_the_same_key_and_context() -> None:
    cipher = StateCipher(KEY)
    blob = cipher.seal(b'{"screen":"menu"}', b"session:abc")
    assert cipher.open(blob, b"session:abc") == b'{"screen":"menu"}'


def test_sealed_state_does_not_open_under_another_context() -> None:
    cipher = StateCipher(KEY)
    blob = cipher.seal(b"state", b"session:abc")
    with pytest.raises(CryptoError):
        cipher.open(blob, b"session:abd")


def test_sealed_state_does_not_open_under_another_key() -> None:
    blob = StateCipher(KEY).seal(b"state", b"ctx")
    with pytest.raises(SealBroken):
        StateCipher(os.urandom(32)).open(blob, b"ctx")


def test_changing_any_single_byte_of_sealed_state_is_refused() -> None:
    cipher = StateCipher(KEY)
    blob = cipher.seal(b"state", b"ctx")
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x80
        with pytest.raises(SealBroken):
            cipher.open(bytes(tampered), b"ctx")


def test_short_or_empty_blobs_are_refused() -> None:
    cipher = StateCipher(KEY)
    for blob in [b"", b"\x01", b"\x01" + b"\x00" * 20]:
        with pytest.raises(SealBroken):
            cipher.open(blob, b"ctx")


def test_the_same_state_sealed_twice_gives_different_blobs() -> None:
    cipher = StateCipher(KEY)
    assert cipher.seal(b"state", b"ctx") != cipher.seal(b"state", b"ctx")


def test_a_key_that_is_not_32_bytes_is_refused() -> None:
    with pytest.raises(CryptoError):
        StateCipher(b"short")


def test_the_key_does_not_show_in_repr() -> None:
    assert KEY.hex() not in repr(StateCipher(KEY))


@given(data=st.binary(max_size=4000), context=st.binary(max_size=64))
def test_any_state_round_trips(data: bytes, context: bytes) -> None:
    cipher = StateCipher(KEY)
    assert cipher.open(cipher.seal(data, context), context) == data
