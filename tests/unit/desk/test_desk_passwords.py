"""Passwords (Argon2id), one-time passwords, TOTP steps used once, and HANDSOFF_TLS_PROXY."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from config.settings import ConfigError, Settings
from service.desk.passwords import (
    accepted_step,
    hash_password,
    new_totp_secret,
    one_time_password,
    password_matches,
)

NOW = datetime(2026, 11, 30, 9, 0, 10)


def _code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at.replace(tzinfo=UTC))


def test_a_password_matches_its_hash_only() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "correct horse batterY")
    assert not password_matches("not a hash", "anything")


def test_one_time_passwords_are_long_random_and_without_look_alikes() -> None:
    drawn = {one_time_password() for _ in range(50)}
    assert len(drawn) == 50
    assert all(len(p) == 16 and not set(p) & set("0O1lI") for p in drawn)


def test_a_code_is_good_for_its_step_and_one_step_either_side() -> None:
    secret = new_totp_secret()
    step = int(NOW.replace(tzinfo=UTC).timestamp()) // 30
    assert accepted_step(secret, _code(secret, NOW), NOW, 0) == step
    assert accepted_step(secret, _code(secret, NOW - timedelta(seconds=30)), NOW, 0) == step - 1
    assert accepted_step(secret, _code(secret, NOW + timedelta(seconds=30)), NOW, 0) == step + 1
    assert accepted_step(secret, _code(secret, NOW - timedelta(seconds=90)), NOW, 0) is None


def test_a_code_already_used_or_older_than_the_last_used_is_refused() -> None:
    secret = new_totp_secret()
    code = _code(secret, NOW)
    step = accepted_step(secret, code, NOW, 0)
    assert step is not None
    assert accepted_step(secret, code, NOW, step) is None
    earlier = _code(secret, NOW - timedelta(seconds=30))
    assert accepted_step(secret, earlier, NOW, step) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_anything_but_six_ascii_digits_is_no_code(typed: str) -> None:
    assert accepted_step(new_totp_secret(), typed, NOW, 0) is None


def test_the_tls_proxy_flag_is_one_or_zero(tmp_path: Path) -> None:
    def settings(value: str | None) -> Settings:
        env = {"HANDSOFF_HOME": str(tmp_path)}
        if value is not None:
            env["HANDSOFF_TLS_PROXY"] = value
        return Settings.from_env(env)

    assert settings("1").tls_proxy is True
    assert settings("0").tls_proxy is False
    assert settings(None).tls_proxy is False
    with pytest.raises(ConfigError, match="HANDSOFF_TLS_PROXY"):
        settings("yes")
