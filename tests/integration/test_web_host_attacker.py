"""The web host's attacker: its key folder and a database dump, against the reporters' PINs.

They can do what the web does (the code key is there, and the session key opens each case's
code), so the question is the price of a PIN. It must be one memory-hard hash per guess per
case: no cheap keyed digest of any candidate matches, a guess made for one case says nothing
about another, and each guess is one scrypt of at least 32 MiB (counted, never timed).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from crypto import CryptoError, KeyStore, SecretHasher, StateCipher
from crypto.contexts import CASE_CODE_FOR_WEB, context_bytes
from crypto.keys import SECRET_NAMES
from service.storage.models import Case
from tests.support.backends import running_service
from tests.support.journeys import file_report

PINS = [f"{n:04d}" for n in range(10**4)]
MIN_SCRYPT_BYTES = 32 * 1024 * 1024


def _cheap_digests(key: bytes, code: str, pin: str) -> set[str]:
    """Every keyed digest the web's keys make without stretching, as an attacker would try."""
    field = b"".join(len(v).to_bytes(4, "big") + v for v in (code.encode(), pin.encode()))
    return {
        hmac.new(key, b"handsoff/" + purpose + b"/v1\x00" + field, hashlib.sha256).hexdigest()
        for purpose in (b"pin", b"code", b"officer")
    }


def test_the_web_hosts_keys_and_a_dump_give_no_pin_cheaper_than_scrypt_per_guess_per_case(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    webhook_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_service("production", tmp_path, postgres_url, redis_url, webhook_token) as svc:
        # Two reporters who chose the same PIN.
        file_report(svc.phone("+258841230011"), pin="2468")
        file_report(svc.phone("+258841230012"), pin="2468")
        svc.stretch_pins()  # the worker, after the reports
        # A third, whose PIN the worker has not stretched yet: only its sealed MAC is stored.
        file_report(svc.phone("+258841230013"), pin="2468")
        with svc.container.sessions() as db:
            *dump, pending = list(db.scalars(select(Case).order_by(Case.id)))
    web = KeyStore(svc.settings.keys_dir)
    code_key = web.code_key()
    cipher = StateCipher(web.session_key())
    first, second = dump
    assert first.pin_digest and second.pin_digest
    assert pending.pin_digest is None and pending.pin_sealed is not None
    # The sealed MAC opens only with the worker's contact key, which is not in the web's folder;
    # it is randomised, so the cheap MAC of every candidate is no match for it either.
    with pytest.raises(CryptoError):
        web.contact_private()
    pending_code = cipher.open(
        pending.code_sealed or b"", context_bytes(CASE_CODE_FOR_WEB, pending.ref)
    ).decode()
    assert not any(
        SecretHasher(code_key).pin_mac(pending_code, pin) in pending.pin_sealed for pin in PINS
    )
    codes = [
        cipher.open(case.code_sealed or b"", context_bytes(CASE_CODE_FOR_WEB, case.ref)).decode()
        for case in dump
    ]

    # Every cheap digest of every candidate PIN, under every secret the web holds: no match.
    secrets = [web.secret(n) for n in SECRET_NAMES if (web.path / f"{n}.secret.json").exists()]
    stored = {first.pin_digest, second.pin_digest}
    for key in secrets:
        for code in codes:
            for pin in PINS:
                assert not _cheap_digests(key, code, pin) & stored

    # The same PIN on two cases: unrelated digests, so no guess is shared between cases.
    assert first.pin_digest != second.pin_digest

    # One guess is one scrypt of at least 32 MiB, salted with that case's ref.
    calls: list[tuple[bytes, int]] = []
    real_scrypt: Callable[..., bytes] = hashlib.scrypt

    def counting_scrypt(password: bytes, **params: int | bytes) -> bytes:
        salt, n, r = params["salt"], params["n"], params["r"]
        assert isinstance(salt, bytes) and isinstance(n, int) and isinstance(r, int)
        calls.append((salt, 128 * n * r))
        return real_scrypt(password, **params)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    hasher = SecretHasher(code_key)
    assert hasher.verify_pin(codes[0], "2468", first.ref, first.pin_digest)
    assert not hasher.verify_pin(codes[0], "1111", first.ref, first.pin_digest)
    assert len(calls) == 2
    assert all(memory >= MIN_SCRYPT_BYTES for _, memory in calls)
    assert all(first.ref.encode() in salt for salt, _ in calls)
