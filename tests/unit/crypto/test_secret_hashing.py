"""Keyed digests: case codes and sessions, PINs (keyed, salted per case, memory-hard), numbers."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from crypto import CryptoError, NumberHasher, SecretHasher
from crypto.secret_hashing import PIN_DIGEST_PREFIX, stretch_pin

CODE_KEY = b"c" * 32
NUMBER_KEY = b"n" * 32
REF = "0f" * 16
OTHER_REF = "a1" * 16


def test_the_right_pin_verifies() -> None:
    hasher = SecretHasher(CODE_KEY)
    digest = hasher.pin_digest("123456782", "4321", REF)
    assert hasher.verify_pin("123456782", "4321", REF, digest)


def test_a_wrong_pin_does_not_verify() -> None:
    hasher = SecretHasher(CODE_KEY)
    digest = hasher.pin_digest("123456782", "4321", REF)
    assert not hasher.verify_pin("123456782", "4322", REF, digest)
    assert not hasher.verify_pin("123456782", "", REF, digest)
    assert not hasher.verify_pin("123456782", "4321", REF, "not a digest")
    assert not hasher.verify_pin("123456782", "4321", REF, None)


def test_a_pin_digest_is_bound_to_its_case_code_and_its_case() -> None:
    hasher = SecretHasher(CODE_KEY)
    digest = hasher.pin_digest("123456782", "4321", REF)
    assert not hasher.verify_pin("876543215", "4321", REF, digest)
    assert not hasher.verify_pin("123456782", "4321", OTHER_REF, digest)


def test_the_same_pin_on_two_cases_gives_unrelated_digests() -> None:
    # Salted per case: a table built for one case is no use on the next.
    hasher = SecretHasher(CODE_KEY)
    assert hasher.pin_digest("123456782", "4321", REF) != hasher.pin_digest(
        "123456782", "4321", OTHER_REF
    )


def test_a_pin_digest_needs_the_key() -> None:
    digest = SecretHasher(CODE_KEY).pin_digest("123456782", "4321", REF)
    assert not SecretHasher(b"k" * 32).verify_pin("123456782", "4321", REF, digest)


def test_a_pin_digest_is_scrypt_over_the_keyed_digest_and_fits_its_column() -> None:
    digest = SecretHasher(CODE_KEY).pin_digest("123456782", "4321", REF)
    assert digest.startswith(PIN_DIGEST_PREFIX) and len(digest) <= 64
    assert "4321" not in digest


def test_a_pin_digest_is_the_same_bytes_as_before_the_split() -> None:
    # Computed by pin_digest as it was before the keyed step and the stretch were split: every
    # digest stored so far must still verify.
    hasher = SecretHasher(b"pin-pinning-key-" * 2)
    ref = "0123456789abcdef0123456789abcdef"
    pinned = "scrypt1:0AMZK1h3AYRIiuvTu-wfoTUwwEjtXRxFiwvI0DRJUxM"
    assert hasher.pin_digest("HS-1234-5678", "4821", ref) == pinned
    assert stretch_pin(hasher.pin_mac("HS-1234-5678", "4821"), ref) == pinned
    assert hasher.verify_pin("HS-1234-5678", "4821", ref, pinned)


def test_the_keyed_step_is_cheap_keyed_and_bound_to_code_and_pin() -> None:
    hasher = SecretHasher(CODE_KEY)
    mac = hasher.pin_mac("HS-1234-5678", "4821")
    assert len(mac) == 32
    assert mac != SecretHasher(b"k" * 32).pin_mac("HS-1234-5678", "4821")
    assert mac != hasher.pin_mac("HS-1234-5679", "4821")
    assert mac != hasher.pin_mac("HS-1234-5678", "4822")


def test_a_pin_digest_written_before_stretching_still_verifies() -> None:
    message = b"handsoff/pin/v1\x00" + b"".join(
        len(v).to_bytes(4, "big") + v for v in (b"123456782", b"4321")
    )
    legacy = hmac.new(CODE_KEY, message, hashlib.sha256).hexdigest()
    hasher = SecretHasher(CODE_KEY)
    assert hasher.verify_pin("123456782", "4321", REF, legacy)
    assert not hasher.verify_pin("123456782", "4322", REF, legacy)


def test_field_boundaries_matter() -> None:
    hasher = SecretHasher(CODE_KEY)
    assert hasher.pin_digest("12345", "6789", REF) != hasher.pin_digest("1234", "56789", REF)


def test_a_code_digest_is_stable_keyed_and_not_the_code() -> None:
    digest = SecretHasher(CODE_KEY).code_digest("123456782")
    assert digest == SecretHasher(CODE_KEY).code_digest("123456782")
    assert digest != SecretHasher(b"k" * 32).code_digest("123456782")
    assert "123456782" not in digest


def test_a_session_digest_never_equals_a_code_digest() -> None:
    hasher = SecretHasher(CODE_KEY)
    assert hasher.session_digest("123456782", "") != hasher.code_digest("123456782")


def test_a_session_digest_is_bound_to_the_caller() -> None:
    hasher = SecretHasher(CODE_KEY)
    digest = hasher.session_digest("ATUid_1", "+258841234567")
    assert digest == hasher.session_digest("ATUid_1", "+258841234567")
    assert digest != hasher.session_digest("ATUid_1", "+258841234568")


def test_a_number_digest_is_stable_and_keyed_by_the_number_key_alone() -> None:
    numbers = NumberHasher(NUMBER_KEY)
    assert numbers.number_digest("+258841234567") == numbers.number_digest("+258841234567")
    assert numbers.number_digest("+258841234567") != numbers.number_digest("+258841234568")
    # The code key, which the web holds, makes no number digest.
    assert NumberHasher(CODE_KEY).number_digest("+258841234567") != numbers.number_digest(
        "+258841234567"
    )


def test_short_keys_are_refused() -> None:
    with pytest.raises(CryptoError):
        SecretHasher(b"short")
    with pytest.raises(CryptoError):
        NumberHasher(b"short")


def test_hashers_hide_their_keys() -> None:
    assert CODE_KEY.decode() not in repr(SecretHasher(CODE_KEY))
    assert NUMBER_KEY.decode() not in repr(NumberHasher(NUMBER_KEY))
