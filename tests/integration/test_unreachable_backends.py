"""Unauthenticated callbacks touch nothing slow; /readyz says when SQL or Redis is unreachable."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from config.settings import Settings
from tests.support.apps import make_app, production_settings
from tests.support.live_server import serve
from tests.support.services import free_port
from tests.support.stalls import Blackhole

USSD = {
    "sessionId": "ATUid_bad",
    "serviceCode": "*123#",
    "phoneNumber": "+258841234567",
    "networkCode": "63902",
    "text": "",
}
# Far less than a stalled connect would take: a refusal must not wait on anything.
PROMPT_SECONDS = 3.0


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    app, container = make_app(settings)
    try:
        with serve(app) as url:
            yield url
    finally:
        container.close()


def test_a_callback_without_the_token_gets_403_at_once_and_opens_no_database_or_redis_connection(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    with Blackhole() as database, Blackhole() as redis_host:
        hung = dataclasses.replace(
            settings,
            database_url=f"postgresql+psycopg://postgres@127.0.0.1:{database.port}/test",
            redis_url=f"redis://127.0.0.1:{redis_host.port}/0",
        )
        with serving(hung) as url:
            for path in ("/ussd", "/sms/inbound", "/sms/delivery", "/ussd/events"):
                for token in ({"token": "wrong"}, {}):
                    response = requests.post(
                        url + path, params=token, data=USSD, timeout=PROMPT_SECONDS
                    )
                    assert response.status_code == 403
        assert (database.accepted, redis_host.accepted) == (0, 0)


def test_readyz_answers_200_when_postgres_and_redis_answer(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    with serving(production_settings(tmp_path, postgres_url, redis_url, webhook_token)) as url:
        response = requests.get(url + "/readyz", timeout=PROMPT_SECONDS)
    assert (response.status_code, response.text) == (200, "ready\n")


def test_readyz_answers_503_naming_the_database_when_postgres_is_down(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    with serving(dataclasses.replace(settings, database_url=down)) as url:
        response = requests.get(url + "/readyz", timeout=10)
        alive = requests.get(url + "/healthz", timeout=PROMPT_SECONDS)
    assert (response.status_code, response.text) == (503, "not ready: database\n")
    assert alive.status_code == 200  # liveness does not depend on the database


def test_readyz_answers_503_naming_redis_when_redis_is_down(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    down = f"redis://127.0.0.1:{free_port()}/0"
    with serving(dataclasses.replace(settings, redis_url=down)) as url:
        response = requests.get(url + "/readyz", timeout=10)
    assert (response.status_code, response.text) == (503, "not ready: redis\n")


def test_readyz_answers_503_when_postgres_hangs_without_answering(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    with Blackhole() as database:
        hung = f"postgresql+psycopg://postgres@127.0.0.1:{database.port}/test"
        with serving(dataclasses.replace(settings, database_url=hung)) as url:
            # The connect timeout ends the wait, well inside a load balancer's patience.
            response = requests.get(url + "/readyz", timeout=10)
    assert (response.status_code, response.text) == (503, "not ready: database\n")
