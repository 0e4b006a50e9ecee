"""The worker's outbox relay: a new case's job reaches rq on PostgreSQL's notice, not by polling."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from service.clock import utcnow
from service.queueing.job_queue import QUEUE_NAME, RqJobQueue
from service.queueing.outbox import Dispatcher
from service.queueing.relay import OutboxRelay, start_relay
from tests.support.backends import RunningService
from tests.support.journeys import file_report

# Far longer than any wait below: a relay that looks again in time was woken by a notice.
POLL_SECONDS = 60.0


class CountingDispatcher(Dispatcher):
    """The real dispatcher, counting the relay's looks and the rows each look enqueued.

    A relay issues LISTEN before its first look, and looks again only on a notice (or after
    POLL_SECONDS): so "has looked once" means "is listening", and "looked again" means "heard".
    """

    def __init__(self, connection: redis.Redis, service: RunningService) -> None:
        super().__init__(RqJobQueue(connection), service.container.sessions, utcnow)
        self.looks = 0
        self.taken = 0
        self._guard = threading.Lock()

    def relay_waiting(self, batch: int = 100, stopping: Callable[[], bool] = lambda: False) -> int:
        taken = super().relay_waiting(batch, stopping)
        with self._guard:
            self.looks += 1
            self.taken += taken
        return taken


@pytest.fixture
def service(production_service: RunningService) -> RunningService:
    return production_service


@pytest.fixture
def connection(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@contextmanager
def relaying(*relays: OutboxRelay) -> Iterator[None]:
    started = [start_relay(relay) for relay in relays]
    try:
        yield
    finally:
        for thread, stop in started:
            stop.set()
            thread.join(timeout=10)
            assert not thread.is_alive(), "the relay did not stop"


def worker_relay(
    service: RunningService, connection: redis.Redis, **options: Any
) -> tuple[OutboxRelay, CountingDispatcher]:
    """What `handsoff worker` runs: the outbox's dispatcher on rq, behind a relay."""
    dispatcher = CountingDispatcher(connection, service)
    return OutboxRelay(dispatcher, service.container.engine, **options), dispatcher


def queued_ids(connection: redis.Redis) -> list[str]:
    return Queue(QUEUE_NAME, connection=connection, serializer=JSONSerializer).get_job_ids()


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def file_and_wait(service: RunningService, connection: redis.Redis, number: str) -> bool:
    """File a report; True when its job reaches the queue (within 15 s)."""
    file_report(service.phone(number), danger=False)
    job = service.outbox()[-1]
    return wait_for(lambda: queued_ids(connection)[-1:] == [f"outbox-{job.id}"])


def test_a_new_case_is_enqueued_on_the_notice_and_only_once(
    service: RunningService, connection: redis.Redis
) -> None:
    relays, counts = zip(
        *(worker_relay(service, connection, poll_seconds=POLL_SECONDS) for _ in range(2)),
        strict=True,
    )
    with relaying(*relays):
        assert wait_for(lambda: all(count.looks >= 1 for count in counts))  # both listening
        assert queued_ids(connection) == []
        before = [count.looks for count in counts]
        file_report(service.phone("+258841240001"), danger=False)
        [job] = service.outbox()
        # Both heard the notice and claimed: whatever either enqueues is in by now.
        assert wait_for(lambda: all(c.looks > b for c, b in zip(counts, before, strict=True)))
    # Two relays heard the notice; the claim let only one enqueue the row.
    assert queued_ids(connection) == [f"outbox-{job.id}"]
    assert sum(count.taken for count in counts) == 1


def test_the_relay_listens_again_after_losing_its_connection(
    service: RunningService, connection: redis.Redis
) -> None:
    url = service.container.engine.url.set(drivername="postgresql").render_as_string(False)
    listening: list[psycopg.Connection[tuple[object, ...]]] = []

    def connect() -> psycopg.Connection[tuple[object, ...]]:
        listening.append(psycopg.connect(url, autocommit=True))
        return listening[-1]

    # A minute between looks: a job that arrives in seconds was woken by the renewed LISTEN.
    relay, count = worker_relay(
        service, connection, poll_seconds=POLL_SECONDS, retry_seconds=0.2, connect=connect
    )
    with relaying(relay):
        assert wait_for(lambda: len(listening) == 1 and count.looks == 1)
        with psycopg.connect(url) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (listening[0].info.backend_pid,))
        # Its first look on the new connection comes after the new LISTEN.
        # At least: a reconnect that fails once more under load listens (and looks) again.
        assert wait_for(lambda: len(listening) >= 2 and count.looks >= 2, seconds=10)
        assert file_and_wait(service, connection, "+258841240002")


def test_without_notices_the_relay_still_finds_waiting_rows_by_looking(
    service: RunningService, connection: redis.Redis
) -> None:
    # A database without NOTIFY (or a notice lost while reconnecting): the relay polls.
    file_report(service.phone("+258841240003"), danger=False)
    [job] = service.outbox()
    relay, _ = worker_relay(service, connection, poll_seconds=0.2, listen=False)
    with relaying(relay):
        assert wait_for(lambda: queued_ids(connection) == [f"outbox-{job.id}"])
