"""A wave of officers' messages: one send job delivers those waiting behind it, each once.

rq's bookkeeping per job costs about as much as a send, so a send job also claims officers'
messages never tried yet (`DrainPolicy`), sends them, and takes their jobs back off the queue.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from service.messaging.delivery import DrainPolicy, send_sms
from service.messaging.dispatch import SEND_JOB, sms_job_id
from service.messaging.outbound import OFFICER, REPORTER
from service.queueing.job_queue import URGENT_QUEUE_NAME, RqJobQueue
from tests.integration.casework.conftest import World, new_number


def _wave(world: World, count: int, audience: str = OFFICER) -> dict[int, tuple[str, str]]:
    """Write `count` notices as the casework does and queue their jobs: id -> (number, body)."""
    written: dict[int, tuple[str, str]] = {}
    with world.ctx.sessions.begin() as db:
        for index in range(count):
            number, body = new_number(), f"Caso {index:03d} {secrets.token_hex(3)}"
            row = world.ctx.outbound.add(
                db,
                recipient=number,
                body=body,
                purpose="coordinator_notice" if audience == OFFICER else "reporter_update",
                audience=audience,
            )
            written[row.id] = (number, body)
    world.ctx.sms.enqueue(list(written))
    return written


def _urgent(world: World) -> Queue:
    return Queue(URGENT_QUEUE_NAME, connection=world.connection, serializer=JSONSerializer)


def _statuses(world: World, ids: list[int]) -> dict[int, tuple[str, int]]:
    return {r.id: (r.status, r.attempts) for r in world.outbound() if r.id in ids}


def _delivered_once(world: World, written: dict[int, tuple[str, str]]) -> bool:
    return all(world.inbox(number) == [body] for number, body in written.values())


def test_one_send_job_delivers_the_officers_messages_waiting_behind_it(world: World) -> None:
    written = _wave(world, 2 * world.ctx.drain.batch + 3)  # three claims beyond its own row
    first, *rest = written
    send_sms(world.ctx, first)
    assert world.aggregator.requests == len(written)
    assert _delivered_once(world, written)
    assert set(_statuses(world, list(written)).values()) == {("sent", 1)}
    # Their jobs were taken back: nothing left in the queue, no job record left in Redis.
    assert _urgent(world).get_job_ids() == [sms_job_id(first)]  # its own, as rq would run it
    assert not any(world.connection.exists(Job.key_for(sms_job_id(i))) for i in rest)
    world.drain()
    assert world.aggregator.requests == len(written)


def test_reporters_messages_are_sent_by_their_own_jobs_only(world: World) -> None:
    officers = _wave(world, 3)
    reporters = _wave(world, 3, audience=REPORTER)
    send_sms(world.ctx, next(iter(officers)))
    assert _delivered_once(world, officers)
    assert set(_statuses(world, list(reporters)).values()) == {("pending", 0)}
    assert all(world.inbox(number) == [] for number, _ in reporters.values())
    assert {sms_job_id(i) for i in reporters} <= set(_urgent(world).get_job_ids())
    world.drain()
    assert _delivered_once(world, reporters)


def test_a_refusal_mid_wave_puts_the_unsent_back_and_every_message_goes_once(
    world: World,
) -> None:
    written = _wave(world, 8)
    ids = list(written)
    world.aggregator.delay_next(3, 0.0)  # accepted at once: its own and two of the wave
    world.aggregator.fail_next(1, http_status=503)
    send_sms(world.ctx, ids[0])
    states = _statuses(world, ids)
    assert [states[i] for i in ids[:3]] == [("sent", 1)] * 3
    assert states[ids[3]] == ("retry", 1)
    # Claimed, never tried: back to waiting, as if never claimed, and queued again.
    assert [states[i] for i in ids[4:]] == [("pending", 0)] * 4
    assert {sms_job_id(i) for i in ids[4:]} <= set(_urgent(world).get_job_ids())
    world.drain()
    assert _delivered_once(world, written)
    assert world.aggregator.requests == len(written) + 1


def test_a_batch_of_one_sends_only_the_jobs_own_message(world: World) -> None:
    world.ctx.drain = replace(world.ctx.drain, batch=1)
    written = _wave(world, 4)
    send_sms(world.ctx, next(iter(written)))
    assert world.aggregator.requests == 1
    world.drain()
    assert _delivered_once(world, written)


def test_no_time_left_means_no_wave_taken_on(world: World) -> None:
    world.ctx.drain = DrainPolicy(batch=25, seconds=0.0)
    written = _wave(world, 4)
    send_sms(world.ctx, next(iter(written)))
    assert world.aggregator.requests == 1


@pytest.fixture
def rq_queue(redis_url: str) -> RqJobQueue:
    return RqJobQueue(redis.Redis.from_url(redis_url))


def test_withdraw_takes_back_only_jobs_no_worker_has_taken(
    rq_queue: RqJobQueue, redis_url: str
) -> None:
    connection = redis.Redis.from_url(redis_url)
    queue = rq_queue.queue_for(SEND_JOB)
    for name in ("sms-1", "sms-2", "sms-3"):
        rq_queue.enqueue(SEND_JOB, int(name[4:]), job_id=name)
    connection.lrem(queue.key, 1, "sms-3")  # what a worker does when it takes a job
    assert rq_queue.withdraw(SEND_JOB, ["sms-1", "sms-3"]) == {"sms-1"}
    assert queue.get_job_ids() == ["sms-2"]
    assert not connection.exists(Job.key_for("sms-1"))
    assert connection.exists(Job.key_for("sms-2")) and connection.exists(Job.key_for("sms-3"))
    assert rq_queue.withdraw(SEND_JOB, []) == set()
    connection.close()
