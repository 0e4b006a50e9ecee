"""Under a backlog of assignments, an officer's alert goes out before the next assignment runs."""

from __future__ import annotations

from rq import Queue
from rq.serializers import JSONSerializer

from service.queueing import QUEUE_NAME, QUEUE_NAMES, URGENT_QUEUE_NAME, RqJobQueue
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
    world.officer("Ana", role="psychosocial")
    backlog = [world.file() for _ in range(3)]  # three assignments queued, in order
    worker = _QuietWorker(
        [_queue(world, name) for name in QUEUE_NAMES],
        connection=world.connection,
        serializer=JSONSerializer,
    )

    worker.work(burst=True, max_jobs=2, logging_level="WARNING")

    # The first assignment, then its alert: the second case is still waiting its turn.
    assert len(world.aggregator.sent) == 1
    assert world.assignments(backlog[0].case_id) != []
    assert world.assignments(backlog[1].case_id) == []
    world.drain()
    assert len(world.aggregator.sent) >= 3
