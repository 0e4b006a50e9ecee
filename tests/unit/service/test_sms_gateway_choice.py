"""The SMS gateway is chosen honestly: no silent local log in production, no clear numbers in it,
no aggregator API over plain http off the machine."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from config.settings import ConfigError, Settings
from service.cli.main import main
from service.messaging.africastalking.sms_client import AfricasTalkingGateway
from service.messaging.factory import make_gateway
from service.messaging.outbox_log import OutboxLogGateway

PRODUCTION_WORKER = {"DATABASE_URL": "postgresql://db/x", "REDIS_URL": "redis://r/0"}
CREDENTIALS = {"AT_USERNAME": "handsoff", "AT_API_KEY": "k" * 20}


def _clock() -> datetime:
    return datetime(2026, 1, 2, tzinfo=UTC)


def worker_settings(tmp_path: Path, **extra: str) -> Settings:
    environ = {"HANDSOFF_HOME": str(tmp_path), **PRODUCTION_WORKER, **extra}
    return Settings.from_env(environ, serves_callbacks=False)


def test_a_production_worker_without_aggregator_credentials_has_no_gateway(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"AT_USERNAME and AT_API_KEY.*HANDSOFF_SMS=log"):
        make_gateway(worker_settings(tmp_path), _clock)


def test_handsoff_worker_without_aggregator_credentials_refuses_to_start_and_says_why(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        main, ["worker", "--burst"], env={"HANDSOFF_HOME": str(tmp_path), **PRODUCTION_WORKER}
    )
    assert result.exit_code != 0
    assert "No SMS can be sent" in result.output and "HANDSOFF_SMS=log" in result.output


def test_the_local_log_is_used_in_production_only_when_chosen_explicitly(tmp_path: Path) -> None:
    chosen = make_gateway(worker_settings(tmp_path, HANDSOFF_SMS="log"), _clock)
    assert isinstance(chosen, OutboxLogGateway)


def test_the_embedded_default_writes_to_the_local_log(tmp_path: Path) -> None:
    embedded = Settings.from_env({"HANDSOFF_HOME": str(tmp_path)})
    assert isinstance(make_gateway(embedded, _clock), OutboxLogGateway)


def test_credentials_mean_the_aggregator(tmp_path: Path) -> None:
    settings = worker_settings(tmp_path, **CREDENTIALS)
    assert isinstance(make_gateway(settings, _clock), AfricasTalkingGateway)


@pytest.mark.parametrize("value", ["Log", "sms", "none"])
def test_an_unknown_gateway_choice_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="HANDSOFF_SMS must be"):
        worker_settings(tmp_path, HANDSOFF_SMS=value)


def test_choosing_the_aggregator_without_credentials_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs AT_USERNAME and AT_API_KEY"):
        worker_settings(tmp_path, HANDSOFF_SMS="africastalking")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.africastalking.com/version1",
        "http://10.0.0.5:8080",
        "ftp://127.0.0.1",
        "https://",
        "127.0.0.1:9000",
    ],
)
def test_an_api_base_url_that_is_not_https_or_loopback_is_refused_at_start(
    tmp_path: Path, url: str
) -> None:
    with pytest.raises(ConfigError, match="AT_API_BASE_URL must be an https:// URL"):
        worker_settings(tmp_path, AT_API_BASE_URL=url, **CREDENTIALS)
    with pytest.raises(ConfigError, match="AT_API_BASE_URL"):
        Settings.from_env({"HANDSOFF_HOME": str(tmp_path), "AT_API_BASE_URL": url})


@pytest.mark.parametrize(
    "url",
    [
        "https://api.africastalking.com",
        "http://127.0.0.1:8765",
        "http://localhost:8765/x",
        "http://[::1]:8765",
    ],
)
def test_https_or_a_loopback_api_base_url_is_accepted(tmp_path: Path, url: str) -> None:
    assert worker_settings(tmp_path, AT_API_BASE_URL=url, **CREDENTIALS).at_api_base_url == url


def test_the_local_log_never_holds_a_number_in_clear(tmp_path: Path) -> None:
    log = tmp_path / "sms-outbox.log"
    gateway = OutboxLogGateway(log, _clock)
    gateway.send("+258841234567", "Caso 123456789: ligar para +258849998877")
    written = log.read_text()
    assert "841234567" not in written and "849998877" not in written
    assert "123456789" in written  # a case code is what the developer needs to see
    assert '"to": "***********67"' in written and "**********77" in written


@pytest.mark.parametrize(("flag", "keep_alive"), [({}, True), ({"AT_NO_KEEPALIVE": "1"}, False)])
def test_the_aggregator_gateway_keeps_its_connection_unless_told_not_to(
    tmp_path: Path, flag: dict[str, str], keep_alive: bool
) -> None:
    from service.messaging.africastalking.keep_alive import KeepAliveSMSService

    gateway = make_gateway(worker_settings(tmp_path, **CREDENTIALS, **flag), _clock)
    assert isinstance(gateway, AfricasTalkingGateway)
    assert isinstance(gateway._service, KeepAliveSMSService) is keep_alive


def test_a_keep_alive_flag_other_than_1_or_0_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AT_NO_KEEPALIVE"):
        worker_settings(tmp_path, **CREDENTIALS, AT_NO_KEEPALIVE="yes")
