"""The worker's outbox relay: a new case's job reaches rq on PostgreSQL's notice, not by polling."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from service.clock import utcnow
from service.outbox import Dispatcher
from service.outbox_relay import OutboxRelay, start_relay
from service.queueing import QUEUE_NAME, RqJobQueue
from tests.support.backends import RunningService, running_service
from tests.support.journeys import file_report

# Far longer than any wait below: a job that arrives in time was woken by the notice.
POLL_SECONDS = 60.0


@contextmanager
def relaying(service: RunningService, relay: OutboxRelay) -> Iterator[None]:
    thread, stop = start_relay(relay)
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=POLL_SECONDS + 5)


def worker_dispatcher(service: RunningService, connection: redis.Redis) -> Dispatcher:
    """What `handsoff worker` builds: the outbox's dispatcher on rq."""
    return Dispatcher(RqJobQueue(connection), service.container.sessions, utcnow)


def queued_ids(connection: redis.Redis) -> list[str]:
    return Queue(QUEUE_NAME, connection=connection, serializer=JSONSerializer).get_job_ids()


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_new_case_is_enqueued_on_the_notice_and_only_once(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    with running_service("production", tmp_path, postgres_url, redis_url, webhook_token) as svc:
        connection = redis.Redis.from_url(redis_url)
        engine = svc.container.engine
        relays = [
            OutboxRelay(worker_dispatcher(svc, connection), engine, poll_seconds=POLL_SECONDS)
            for _ in range(2)
        ]
        with relaying(svc, relays[0]), relaying(svc, relays[1]):
            time.sleep(0.3)  # both are listening
            assert queued_ids(connection) == []
            file_report(svc.phone("+258841240001"), danger=False)
            [job] = svc.outbox()
            assert wait_for(lambda: queued_ids(connection) == [f"outbox-{job.id}"])
            time.sleep(0.3)
            # Two relays heard the notice; the claim let only one enqueue the row.
            assert queued_ids(connection) == [f"outbox-{job.id}"]
        connection.close()


def test_the_relay_listens_again_after_losing_its_connection(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    with running_service("production", tmp_path, postgres_url, redis_url, webhook_token) as svc:
        connection = redis.Redis.from_url(redis_url)
        listening: list[psycopg.Connection[tuple[object, ...]]] = []
        url = svc.container.engine.url.set(drivername="postgresql")

        def connect() -> psycopg.Connection[tuple[object, ...]]:
            conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
            listening.append(conn)
            return conn

        relay = OutboxRelay(
            worker_dispatcher(svc, connection),
            svc.container.engine,
            poll_seconds=1.0,
            connect=connect,
        )
        with relaying(svc, relay):
            assert wait_for(lambda: len(listening) == 1)
            pid = listening[0].info.backend_pid
            with psycopg.connect(url.render_as_string(hide_password=False)) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            assert wait_for(lambda: len(listening) == 2, seconds=10)
            time.sleep(0.3)
            file_report(svc.phone("+258841240002"), danger=False)
            [job] = svc.outbox()
            assert wait_for(lambda: queued_ids(connection) == [f"outbox-{job.id}"], seconds=3)
        connection.close()


def test_without_notices_the_relay_still_finds_waiting_rows_by_looking(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    # A database without NOTIFY (or a notice lost while reconnecting): the relay polls.
    with running_service("production", tmp_path, postgres_url, redis_url, webhook_token) as svc:
        connection = redis.Redis.from_url(redis_url)
        relay = OutboxRelay(
            worker_dispatcher(svc, connection), svc.container.engine, poll_seconds=0.2, listen=False
        )
        file_report(svc.phone("+258841240003"), danger=False)
        [job] = svc.outbox()
        stop = threading.Event()
        thread = threading.Thread(target=relay.run, args=(stop,))
        thread.start()
        try:
            assert wait_for(lambda: queued_ids(connection) == [f"outbox-{job.id}"])
        finally:
            stop.set()
            thread.join(timeout=5)
        connection.close()
