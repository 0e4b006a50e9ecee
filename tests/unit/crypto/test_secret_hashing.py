"""Keyed digests of case codes, PINs and officer numbers."""

from __future__ import annotations

import pytest

from crypto import CryptoError, SecretHasher

CODE_KEY = b"c" * 32
OFFICER_KEY = b"o" * 32


def test_the_right_pin_verifies() -> None:
    hasher = SecretHasher(CODE_KEY)
    assert hasher.verify_pin("123456782", "4321", hasher.pin_digest("123456782", "4321"))


def test_a_wrong_pin_does_not_verify() -> None:
    hasher = SecretHasher(CODE_KEY)
    digest = hasher.pin_digest("123456782", "4321")
    assert not hasher.verify_pin("123456782", "4322", digest)
    assert not hasher.verify_pin("123456782", "", digest)
    assert not hasher.verify_pin("123456782", "4321", "not a digest")


def test_a_pin_digest_is_bound_to_its_case_code() -> None:
    hasher = SecretHasher(CODE_KEY)
    digest = hasher.pin_digest("123456782", "4321")
    assert not hasher.verify_pin("876543215", "4321", digest)


def test_a_pin_digest_needs_the_key() -> None:
    digest = SecretHasher(CODE_KEY).pin_digest("123456782", "4321")
    assert not SecretHasher(b"k" * 32).verify_pin("123456782", "4321", digest)


def test_code_and_pin_are_not_confused_by_where_one_ends() -> None:
    hasher = SecretHasher(CODE_KEY)
    assert hasher.pin_digest("12345", "6789") != hasher.pin_digest("1234", "56789")


def test_a_code_digest_is_stable_keyed_and_not_the_code() -> None:
    digest = SecretHasher(CODE_KEY).code_digest("123456782")
    assert digest == SecretHasher(CODE_KEY).code_digest("123456782")
    assert digest != SecretHasher(b"k" * 32).code_digest("123456782")
    assert "123456782" not in digest
    assert len(digest) == 64


def test_code_pin_and_officer_digests_never_coincide() -> None:
    hasher = SecretHasher(CODE_KEY, officer_key=CODE_KEY)
    digests = {
        hasher.code_digest("1234"),
        hasher.pin_digest("1234", ""),
        hasher.officer_digest("1234"),
    }
    assert len(digests) == 3


def test_an_officer_digest_is_stable_and_needs_the_officer_key() -> None:
    hasher = SecretHasher(CODE_KEY, officer_key=OFFICER_KEY)
    assert hasher.officer_digest("+258841234567") == hasher.officer_digest("+258841234567")
    assert hasher.officer_digest("+258841234567") != hasher.officer_digest("+258841234568")
    with pytest.raises(CryptoError):
        SecretHasher(CODE_KEY).officer_digest("+258841234567")


def test_short_keys_are_refused() -> None:
    with pytest.raises(CryptoError):
        SecretHasher(b"short")
    with pytest.raises(CryptoError):
        SecretHasher(CODE_KEY, officer_key=b"short")
