"""Under a backlog of assignments, an officer's alert goes out before the next assignment runs."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import select

from service.clock import utcnow
from service.queueing.job_queue import QUEUE_NAME, QUEUE_NAMES, URGENT_QUEUE_NAME, RqJobQueue
from service.storage.models import OutboxJob
from tests.integration.casework.conftest import World, _QuietWorker


def _queue(world: World, name: str) -> Queue:
    return Queue(name, connection=world.connection, serializer=JSONSerializer)


def test_time_critical_jobs_wait_on_the_queue_workers_take_first(world: World) -> None:
    queue = RqJobQueue(world.connection)
    queue.enqueue("workers.jobs.send_sms", 1)
    queue.enqueue_outbox(2)
    assert QUEUE_NAMES[0] == URGENT_QUEUE_NAME
    assert [job.func_name for job in _queue(world, URGENT_QUEUE_NAME).get_jobs()] == [
        "workers.jobs.send_sms"
    ]
    assert _queue(world, QUEUE_NAME).get_job_ids() == ["outbox-2"]


def test_an_alert_is_sent_before_the_next_assignment_of_a_backlog(world: World) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    backlog = [world.file() for _ in range(3)]  # three assignments queued, in order
    worker = _QuietWorker(
        [_queue(world, name) for name in QUEUE_NAMES],
        connection=world.connection,
        serializer=JSONSerializer,
    )

    worker.work(burst=True, max_jobs=2, logging_level="WARNING")

    # The first assignment, then its alert: the second case is still waiting its turn.
    assert len(world.aggregator.sent) == 1 and backlog[0].code in world.inbox(officer)[0]
    assert world.assignments(backlog[0].case_id) != []
    assert world.assignments(backlog[1].case_id) == []
    world.drain()
    assert len(world.aggregator.sent) >= 3


def test_a_sweep_during_a_backlog_does_not_queue_waiting_jobs_twice(world: World) -> None:
    # Rows enqueued minutes ago but still waiting their turn in rq are not lost: the sweep
    # leaves them; a job rq no longer holds (Redis wiped) is queued again.
    world.officer("Ana", role="psychosocial")
    filed = world.file()
    outbox = _queue(world, QUEUE_NAME)
    assert outbox.get_job_ids() == [f"outbox-{filed.outbox_ids[0]}"]

    assert world.ctx.outbox.sweep(stale_after=timedelta(0)) == 0
    assert outbox.get_job_ids() == [f"outbox-{filed.outbox_ids[0]}"]

    world.connection.flushdb()
    assert world.ctx.outbox.sweep(stale_after=timedelta(0)) == 1
    assert outbox.get_job_ids() == [f"outbox-{filed.outbox_ids[0]}"]


def test_an_sms_still_queued_is_not_queued_again_by_the_sweep(world: World) -> None:
    world.officer("Ana", role="psychosocial")
    world.file()
    # Run only the assignment: its alert waits in the urgent queue.
    worker = _QuietWorker(
        [_queue(world, QUEUE_NAME)], connection=world.connection, serializer=JSONSerializer
    )
    worker.work(burst=True, max_jobs=1, logging_level="WARNING")
    urgent = _queue(world, URGENT_QUEUE_NAME)
    waiting = urgent.get_job_ids()
    assert len(waiting) == 1 and waiting[0].startswith("sms-")

    assert world.ctx.sms.sweep(stale_after=timedelta(0)) == 0
    assert urgent.get_job_ids() == waiting
    world.drain()
    assert len(world.aggregator.sent) == 1


def test_a_job_taken_off_its_list_but_never_started_is_sent_again(world: World) -> None:
    # A worker that dies between taking a job off the list and starting it leaves the job
    # "queued" in no list: the sweep must not count it as waiting.
    world.officer("Ana", role="psychosocial")
    filed = world.file()
    outbox = _queue(world, QUEUE_NAME)
    [job_id] = outbox.get_job_ids()
    world.connection.lpop(outbox.key)  # what the dead worker's pop did
    assert outbox.get_job_ids() == [] and outbox.fetch_job(job_id) is not None

    assert world.ctx.outbox.sweep(stale_after=timedelta(0)) == 1
    assert outbox.get_job_ids() == [f"outbox-{filed.outbox_ids[0]}"]
    world.drain()
    assert world.assignments(filed.case_id) != []


def test_the_sweep_looks_past_rows_still_waiting_in_the_queue(world: World) -> None:
    # Rows found waiting are marked enqueued now, so a sweep of 500 does not take the same
    # waiting rows every minute while a lost row further on waits behind them.
    world.officer("Ana", role="psychosocial")
    waiting, lost = world.file().outbox_ids[0], world.file().outbox_ids[0]
    outbox = _queue(world, QUEUE_NAME)
    world.connection.lrem(outbox.key, 0, f"outbox-{lost}")
    world.connection.delete(f"rq:job:outbox-{lost}")

    later = utcnow() + timedelta(minutes=5)
    with freeze_time(later):
        assert world.ctx.outbox.sweep() == 1  # both stale; only the lost one is queued again
    with world.container.sessions() as db:
        marked = {row.id: row.enqueued_at for row in db.scalars(select(OutboxJob))}
    assert marked == {waiting: later, lost: later}
    assert outbox.get_job_ids() == [f"outbox-{waiting}", f"outbox-{lost}"]
