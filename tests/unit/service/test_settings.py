"""Settings come from the environment once; production without its secrets refuses to start."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import ConfigError, Settings

TOKEN = "x" * 40


def test_nothing_configured_means_the_embedded_defaults_under_the_instance_folder(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({"HANDSOFF_HOME": str(tmp_path)})
    assert settings.embedded
    assert settings.database_url == f"sqlite:///{tmp_path / 'handsoff.db'}"
    assert settings.redis_url is None and settings.webhook_token is None
    assert settings.keys_dir == tmp_path / "keys"


def test_the_instance_folder_defaults_to_instance_in_the_working_directory() -> None:
    assert Settings.from_env({}).home == (Path.cwd() / "instance").resolve()


@pytest.mark.parametrize(
    "environ",
    [
        {"DATABASE_URL": "postgresql://db/handsoff"},
        {"REDIS_URL": "redis://127.0.0.1:6379/0"},
    ],
)
def test_production_settings_without_a_webhook_token_stop_the_start(
    environ: dict[str, str],
) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_TOKEN is not set"):
        Settings.from_env(environ)


def test_a_short_webhook_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env({"REDIS_URL": "redis://x", "WEBHOOK_TOKEN": "short"})


def test_half_of_the_aggregator_credentials_is_refused() -> None:
    with pytest.raises(ConfigError, match="AT_USERNAME"):
        Settings.from_env({"REDIS_URL": "redis://x", "WEBHOOK_TOKEN": TOKEN, "AT_USERNAME": "u"})


def test_postgres_urls_get_the_psycopg_driver_and_names_are_read_exactly() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgres://u@db:5432/h",
            "REDIS_URL": " redis://r:6379/1 ",
            "WEBHOOK_TOKEN": TOKEN,
            "AT_USERNAME": "handsoff",
            "AT_API_KEY": "key",
            "AT_SENDER_ID": "HANDSOFF",
            "AT_API_BASE_URL": "http://127.0.0.1:9999",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u@db:5432/h"
    assert settings.redis_url == "redis://r:6379/1"
    assert not settings.embedded and settings.sms_configured
    assert (settings.at_sender_id, settings.at_api_base_url) == (
        "HANDSOFF",
        "http://127.0.0.1:9999",
    )


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.webhook_token = "changed"  # type: ignore[misc]  # writing a frozen field is the point


def test_the_worker_and_admin_commands_need_no_webhook_token() -> None:
    settings = Settings.from_env({"REDIS_URL": "redis://x"}, serves_callbacks=False)
    assert not settings.embedded and settings.webhook_token is None


def test_the_sms_batch_defaults_and_reads_a_whole_number_in_range() -> None:
    assert Settings.from_env({}).sms_batch == 25
    assert Settings.from_env({"HANDSOFF_SMS_BATCH": "1"}).sms_batch == 1
    assert Settings.from_env({"HANDSOFF_SMS_BATCH": "200"}).sms_batch == 200


@pytest.mark.parametrize("value", ["0", "201", "-3", "ten", "2.5"])
def test_an_sms_batch_out_of_range_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="HANDSOFF_SMS_BATCH must be a whole number"):
        Settings.from_env({"HANDSOFF_SMS_BATCH": value})
