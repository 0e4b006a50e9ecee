"""Redis down, or wiped, while reports come in: SQL holds the truth and the sweep loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from service.casework.maintenance import run_maintenance
from tests.integration.casework.conftest import World, make_world, new_number
from tests.support.journeys import file_report
from tests.support.live_server import serve
from tests.support.phone import Phone
from tests.support.services import PrivateRedis, free_port, private_folder


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port(), private_folder("handsoff-redis-down-")).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def fragile_world(
    tmp_path: Path, postgres_url: str, webhook_token: str, redis_server: PrivateRedis
) -> Iterator[World]:
    with make_world(tmp_path, postgres_url, redis_server.url, webhook_token) as built:
        yield built


def test_a_report_filed_while_redis_is_down_reaches_the_officer_once_it_is_back(
    fragile_world: World, redis_server: PrivateRedis
) -> None:
    world = fragile_world
    _, officer = world.officer("Saude", role="health_liaison")
    redis_server.kill()
    with serve(world.app) as url:
        reporter = new_number()
        code = file_report(Phone(url, reporter, world.settings.webhook_token), pin="1357")

    redis_server.start()  # empty: whatever Redis held is gone
    run_maintenance(world.ctx, reschedule=False)
    world.drain()

    [alert] = world.inbox(officer)
    assert code in alert


def test_jobs_lost_with_redis_are_swept_again_and_an_ok_sent_meanwhile_still_counts(
    fragile_world: World, redis_server: PrivateRedis
) -> None:
    world = fragile_world
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()  # enqueued on Redis...
    redis_server.kill()  # ...and lost with it
    redis_server.start()
    world.drain()
    assert world.inbox(officer) == []

    # The sweep only takes rows enqueued a while ago (a live job may still be running).
    world.ctx.outbox.sweep(stale_after=timedelta(0))
    world.drain()
    assert filed.code in world.inbox(officer)[0]

    redis_server.kill()
    world.text(officer, f"OK {filed.code}")  # the webhook answers 200 with Redis down
    redis_server.start()
    world.ctx.outbox.sweep(stale_after=timedelta(0))
    world.ctx.sms.sweep(stale_after=timedelta(0))
    world.drain()
    assert "confirmado" in world.inbox(officer)[-1]
    assert world.inbox(filed.phone) == [f"Codigo {filed.code}: em tratamento."]
