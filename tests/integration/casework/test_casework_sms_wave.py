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

from service.messaging.delivery import RECORD_WITHIN, DrainPolicy, send_sms
from service.messaging.dispatch import SEND_JOB, sms_job_id
from service.messaging.gateway import SendResult
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


def _queued_sends(world: World) -> list[int]:
    """The row ids of the send jobs waiting in the urgent queue, whatever their job ids."""
    return [int(job.args[0]) for job in _urgent(world).get_jobs() if job.func_name == SEND_JOB]


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
    assert set(ids[4:]) <= set(_queued_sends(world))
    world.drain()
    assert _delivered_once(world, written)
    assert world.aggregator.requests == len(written) + 1


def test_a_row_put_back_keeps_its_job_when_the_job_of_its_id_ends(world: World) -> None:
    """A job `sms-<id>` may still be running when its row is put back; rq deletes that id's
    record when it ends, so the row is queued again under a fresh id."""
    written = _wave(world, 3)
    own, _, last = written
    world.aggregator.delay_next(1, 0.0)  # its own goes; the next is refused; the last goes back
    world.aggregator.fail_next(1, http_status=503)
    send_sms(world.ctx, own)
    assert _statuses(world, [last])[last] == ("pending", 0)
    world.connection.delete(Job.key_for(sms_job_id(last)))  # that job ending, as rq does it
    assert last in _queued_sends(world)
    world.drain()
    assert _delivered_once(world, written)


def test_a_delivery_report_during_the_wave_finds_its_message(world: World) -> None:
    """Accepted messages are recorded at most RECORD_WITHIN after the first of them, before the
    next call: a "Failed" report that comes later must find its row (unknown, it is dropped)."""
    import threading

    written = _wave(world, 4)
    own, second, third, last = written
    world.aggregator.delay_next(2, 0.0)
    world.aggregator.delay_next(1, RECORD_WITHIN * 1.5)  # the third: answered after the bound
    world.aggregator.hold_next(1)  # the last is taken and not answered until released
    sending = threading.Thread(target=send_sms, args=(world.ctx, own))
    sending.start()
    try:
        assert world.aggregator.wait_for(lambda: world.aggregator.requests == 4)
        for row_id in (second, third):
            [sent] = [s for s in world.aggregator.sent if s.to == written[row_id][0]]
            assert world.delivery_report(sent.message_id, "Failed", "UserInBlackList") == 200
            assert _statuses(world, [row_id])[row_id] == ("failed", 1)
        assert _statuses(world, [last])[last] == ("sending", 1)
    finally:
        world.aggregator.release()
        sending.join(timeout=30)
    assert _statuses(world, [last])[last] == ("sent", 1)


class _StoppedMidWave(BaseException):
    """What a worker being stopped raises inside a job (rq's SystemExit on a second signal)."""


def test_a_worker_stopped_mid_wave_puts_back_what_it_had_not_tried(world: World) -> None:
    written = _wave(world, 6)
    ids = list(written)
    real_gateway, calls = world.ctx.gateway, []

    class StopsAtTheFourth:
        def send(self, recipient: str, body: str) -> SendResult:
            calls.append(recipient)
            if len(calls) == 4:
                raise _StoppedMidWave
            return real_gateway.send(recipient, body)

    world.ctx.gateway = StopsAtTheFourth()
    with pytest.raises(_StoppedMidWave):
        send_sms(world.ctx, ids[0])
    states = _statuses(world, ids)
    assert [states[i] for i in ids[:3]] == [("sent", 1)] * 3
    assert states[ids[3]] == ("sending", 1)  # it may have gone: the sweep's to judge
    assert [states[i] for i in ids[4:]] == [("pending", 0)] * 2
    assert set(ids[4:]) <= set(_queued_sends(world))


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
