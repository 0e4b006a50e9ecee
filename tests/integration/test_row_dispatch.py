"""The one enqueue-mark-sweep loop of both dispatchers (outbox rows, outbound SMS), on real parts.

Real PostgreSQL and Redis; "Redis down" is a real client pointed at a port nobody listens on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.clock import utcnow
from service.messaging.dispatch import SmsDispatcher, sms_job_id
from service.queueing.job_queue import (
    QUEUE_NAME,
    URGENT_QUEUE_NAME,
    QueueUnavailable,
    RqJobQueue,
    outbox_job_id,
)
from service.queueing.outbox import OUTBOX_ROWS, Dispatcher
from service.queueing.row_dispatch import QueuedRows, RowDispatcher
from service.storage.casework_models import OutboundSms
from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema
from service.storage.models import OutboxJob
from tests.support.services import free_port

LONG_AGO = timedelta(hours=1)


@dataclass
class Db:
    engine: Engine
    sessions: sessionmaker[Session]

    def add_outbox(self, enqueued_at: datetime | None) -> int:
        with self.sessions.begin() as db:
            row = OutboxJob(job="assign_case", created_at=utcnow(), enqueued_at=enqueued_at)
            db.add(row)
            db.flush()
            return row.id

    def add_sms(self, enqueued_at: datetime | None = None) -> int:
        now = utcnow()
        with self.sessions.begin() as db:
            row = OutboundSms(
                ref=f"r{free_port()}{now.microsecond}",
                purpose="officer_alert",
                audience="officer",
                recipient_sealed=b"x",
                body_sealed=b"x",
                status="pending",
                created_at=now,
                enqueued_at=enqueued_at,
                updated_at=now,
            )
            db.add(row)
            db.flush()
            return row.id

    def enqueued_at(self, table: type[OutboxJob] | type[OutboundSms], row_id: int) -> object:
        with self.sessions() as db:
            return db.scalar(select(table.enqueued_at).where(table.id == row_id))


@pytest.fixture
def db(postgres_url: str) -> Iterator[Db]:
    engine = make_engine(postgres_url)
    upgrade_schema(engine)
    yield Db(engine, make_sessionmaker(engine))
    engine.dispose()


@pytest.fixture
def connection(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def dead_queue() -> Iterator[RqJobQueue]:
    # No retries: the client gives up at once, as it does after its retries in production.
    client = redis.Redis(port=free_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    yield RqJobQueue(client)
    client.close()


def queued(connection: redis.Redis, name: str) -> list[str]:
    return Queue(name, connection=connection, serializer=JSONSerializer).get_job_ids()


def test_a_queue_that_cannot_reach_redis_says_so_with_the_ports_one_error(
    dead_queue: RqJobQueue,
) -> None:
    with pytest.raises(QueueUnavailable):
        dead_queue.enqueue("workers.jobs.send_sms", 1)
    with pytest.raises(QueueUnavailable):
        dead_queue.enqueue_at(utcnow(), "workers.jobs.send_sms", 1)
    with pytest.raises(QueueUnavailable):
        dead_queue.still_queued(["sms-1"])


def test_with_redis_down_both_dispatchers_leave_their_rows_waiting_and_the_caller_goes_on(
    db: Db, dead_queue: RqJobQueue
) -> None:
    outbox_id = db.add_outbox(enqueued_at=utcnow())  # written marked, as its writer does
    sms_id = db.add_sms()
    assert Dispatcher(dead_queue, db.sessions, utcnow).enqueue([outbox_id]) == []
    SmsDispatcher(dead_queue, db.sessions, utcnow).enqueue([sms_id])
    assert db.enqueued_at(OutboxJob, outbox_id) is None
    assert db.enqueued_at(OutboundSms, sms_id) is None


def test_with_redis_up_each_row_becomes_its_own_named_job_and_sms_rows_are_marked(
    db: Db, connection: redis.Redis
) -> None:
    queue = RqJobQueue(connection)
    written = utcnow() - LONG_AGO
    outbox_id = db.add_outbox(enqueued_at=written)
    sms_id = db.add_sms()
    assert Dispatcher(queue, db.sessions, utcnow).enqueue([outbox_id]) == [outbox_id]
    SmsDispatcher(queue, db.sessions, utcnow).enqueue([sms_id])
    assert outbox_job_id(outbox_id) in queued(connection, QUEUE_NAME)
    assert sms_job_id(sms_id) in queued(connection, URGENT_QUEUE_NAME)
    # The outbox row was written marked: a good enqueue costs it no second commit.
    assert db.enqueued_at(OutboxJob, outbox_id) == written
    assert db.enqueued_at(OutboundSms, sms_id) is not None


@pytest.mark.parametrize("kind", ["sms", "outbox"])
def test_a_sweep_requeues_only_the_rows_whose_job_redis_lost_and_marks_both(
    db: Db, connection: redis.Redis, kind: str
) -> None:
    queue = RqJobQueue(connection)
    stale = utcnow() - LONG_AGO
    if kind == "sms":
        table, job_id, queue_name = OutboundSms, sms_job_id, URGENT_QUEUE_NAME
        lost, held = db.add_sms(stale), db.add_sms(stale)
        queue.enqueue("workers.jobs.send_sms", held, job_id=sms_job_id(held))
        dispatcher: SmsDispatcher | Dispatcher = SmsDispatcher(queue, db.sessions, utcnow)
    else:
        table, job_id, queue_name = OutboxJob, outbox_job_id, QUEUE_NAME
        lost, held = db.add_outbox(stale), db.add_outbox(stale)
        queue.enqueue_outbox(held)
        dispatcher = Dispatcher(queue, db.sessions, utcnow)
    assert dispatcher.sweep() == 1
    assert queued(connection, queue_name).count(job_id(held)) == 1
    assert job_id(lost) in queued(connection, queue_name)
    for row_id in (lost, held):
        marked = db.enqueued_at(table, row_id)
        assert isinstance(marked, datetime) and marked > stale


def test_a_sweep_with_redis_down_leaves_the_stale_rows_waiting_for_the_next(
    db: Db, dead_queue: RqJobQueue
) -> None:
    stale = utcnow() - LONG_AGO
    sms_id, outbox_id = db.add_sms(stale), db.add_outbox(stale)
    assert SmsDispatcher(dead_queue, db.sessions, utcnow).sweep() == 0
    assert Dispatcher(dead_queue, db.sessions, utcnow).sweep() == 0
    assert db.enqueued_at(OutboundSms, sms_id) is None
    assert db.enqueued_at(OutboxJob, outbox_id) is None


def test_a_database_error_while_marking_rows_is_raised_not_swallowed(
    dead_queue: RqJobQueue,
) -> None:
    # Redis and the database both away: the rows the queue refused cannot be set waiting, and the
    # caller's edge must hear it (a 503 to the aggregator, a logged relay or maintenance step).
    unreachable = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    try:
        sessions = make_sessionmaker(unreachable)
        with pytest.raises(SQLAlchemyError):
            Dispatcher(dead_queue, sessions, utcnow).enqueue([1])
        with pytest.raises(SQLAlchemyError):
            RowDispatcher(OUTBOX_ROWS, queue=dead_queue, sessions=sessions, clock=utcnow).mark(
                [1], utcnow()
            )
    finally:
        unreachable.dispose()


def test_an_error_that_is_not_the_queue_being_down_is_not_taken_for_it(db: Db) -> None:
    def broken(_queue: object, _row_id: int) -> None:
        raise RuntimeError("a bug, not an outage")

    rows = RowDispatcher(
        QueuedRows("outbox", OutboxJob.id, OutboxJob.enqueued_at, broken, outbox_job_id),
        queue=RqJobQueue(redis.Redis(port=free_port())),
        sessions=db.sessions,
        clock=utcnow,
    )
    with pytest.raises(RuntimeError, match="a bug"):
        rows.enqueue_each([db.add_outbox(None)])
