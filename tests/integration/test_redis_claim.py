"""Two test runs on one Redis server each get a database of their own, and give it back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.redis_claim import CLAIM_KEY, NoFreeDatabase, RedisClaim
from tests.support.services import PrivateRedis, free_port, private_folder


@pytest.fixture
def server() -> Iterator[str]:
    """A redis-server of our own: claiming databases on the shared one would disturb others."""
    private = PrivateRedis(free_port(), Path(private_folder("handsoff-claim-"))).start()
    try:
        yield private.url.rsplit("/", 1)[0]
    finally:
        private.kill()


def test_two_runs_claim_different_databases_and_release_them(server: str) -> None:
    first, second = RedisClaim(server), RedisClaim(server)
    assert first.claim() == f"{server}/1"
    assert second.claim() == f"{server}/2"
    first.release()
    assert RedisClaim(server).claim() == f"{server}/1"  # free again
    client = redis.Redis.from_url(f"{server}/2")
    assert 0 < client.ttl(CLAIM_KEY) <= 900  # a crashed run frees it by itself
    client.close()


def test_a_database_holding_someone_elses_data_is_passed_by(server: str) -> None:
    client = redis.Redis.from_url(f"{server}/1")
    client.set("someone:else", "their data")
    assert RedisClaim(server).claim() == f"{server}/2"
    assert client.get("someone:else") == b"their data" and client.get(CLAIM_KEY) is None
    client.close()


def test_a_run_told_its_database_marks_it_so_others_pass_it_by(server: str) -> None:
    told = RedisClaim(server)
    told.adopt(f"{server}/1")
    client = redis.Redis.from_url(f"{server}/1")
    client.flushdb()
    told.renew(client)  # what every test's flush does
    assert RedisClaim(server).claim() == f"{server}/2"
    told.release()
    assert client.get(CLAIM_KEY) is None
    client.close()


def test_with_every_database_claimed_the_run_says_so(server: str) -> None:
    for _ in range(15):
        RedisClaim(server).claim()
    with pytest.raises(NoFreeDatabase, match="TEST_REDIS_URL"):
        RedisClaim(server).claim()
