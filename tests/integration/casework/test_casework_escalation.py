"""Acknowledgement deadlines: nothing happens before, the case moves on after, an OK stops it."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun import freeze_time
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from service.casework.escalation import check_ack_deadline, escalate_overdue
from service.queueing.job_queue import URGENT_QUEUE_NAME
from tests.integration.casework.conftest import World


def _deadline_checks(world: World) -> list[tuple[int, datetime]]:
    """Scheduled deadline checks: (assignment id, when); they wait on the urgent queue."""
    queue = Queue(URGENT_QUEUE_NAME, connection=world.connection, serializer=JSONSerializer)
    registry = ScheduledJobRegistry(queue=queue)
    found = []
    for job_id in registry.get_job_ids():
        job = queue.fetch_job(job_id)
        if job is not None and job.func_name == "workers.jobs.check_ack_deadline":
            when = registry.get_scheduled_time(job_id).replace(tzinfo=None)
            found.append((int(job.args[0]), when))
    return found


def _setup(world: World) -> tuple[int, int, int, str, str]:
    first, _ = world.officer("Ana", role="psychosocial")
    second, _ = world.officer("Bia", role="psychosocial")
    coordinator, coordinator_phone = world.officer("Coord", role="coordinator")
    return first, second, coordinator, coordinator_phone, ""


def test_before_the_deadline_nothing_moves_and_the_check_is_booked_again(world: World) -> None:
    first, _, _, coordinator_phone, _ = _setup(world)
    filed = world.file()
    world.drain()
    [assignment] = world.assignments(filed.case_id)
    assert assignment.officer_id == first
    assert assignment.ack_deadline - assignment.assigned_at == timedelta(hours=24)
    booked = dict(_deadline_checks(world))
    assert timedelta(0) <= booked[assignment.id] - assignment.ack_deadline <= timedelta(seconds=1)

    with freeze_time(assignment.ack_deadline - timedelta(minutes=1)):
        check_ack_deadline(world.ctx, assignment.id)
        assert escalate_overdue(world.ctx) == 0
    world.drain()

    assert [a.officer_id for a in world.assignments(filed.case_id)] == [first]
    assert world.inbox(coordinator_phone) == []


def test_after_the_deadline_the_next_officer_gets_it_and_the_coordinator_is_told(
    world: World,
) -> None:
    first, second, _, coordinator_phone, _ = _setup(world)
    filed = world.file()
    world.drain()
    [assignment] = world.assignments(filed.case_id)

    with freeze_time(assignment.ack_deadline + timedelta(seconds=1)):
        check_ack_deadline(world.ctx, assignment.id)
    world.drain()

    moved = world.assignments(filed.case_id)
    assert [(a.officer_id, a.reason, a.end_reason) for a in moved] == [
        (first, "new", "escalated"),
        (second, "escalated", None),
    ]
    [notice] = world.inbox(coordinator_phone)
    assert filed.code in notice and "Bia" in notice
    # The second officer's deadline is booked in turn.
    assert any(aid == moved[1].id for aid, _ in _deadline_checks(world))


def test_a_late_or_repeated_check_escalates_once(world: World) -> None:
    _, second, _, coordinator_phone, _ = _setup(world)
    filed = world.file()
    world.drain()
    [assignment] = world.assignments(filed.case_id)
    with freeze_time(assignment.ack_deadline + timedelta(hours=5)):
        check_ack_deadline(world.ctx, assignment.id)
        check_ack_deadline(world.ctx, assignment.id)
        escalate_overdue(world.ctx)
    world.drain()
    assert len(world.assignments(filed.case_id)) == 2
    assert world.holder(filed.case_id) == second
    assert len(world.inbox(coordinator_phone)) == 1


def test_an_acknowledged_case_never_escalates(world: World) -> None:
    first, _, _, coordinator_phone, _ = _setup(world)
    filed = world.file()
    world.drain()
    [assignment] = world.assignments(filed.case_id)
    first_phone = _phone_of(world, first)
    world.text(first_phone, f"ok {filed.code}")
    world.drain()

    with freeze_time(assignment.ack_deadline + timedelta(days=3)):
        check_ack_deadline(world.ctx, assignment.id)
        assert escalate_overdue(world.ctx) == 0
    world.drain()

    assert [a.officer_id for a in world.assignments(filed.case_id)] == [first]
    assert world.case(filed.case_id).status == "acknowledged"
    assert world.inbox(coordinator_phone) == []


def test_urgent_cases_escalate_after_fifteen_minutes_through_everyone_in_turn(
    world: World,
) -> None:
    first, second, coordinator, _, _ = _setup(world)
    filed = world.file(what="rape", when="today", danger="yes")
    world.drain()
    holders = [world.holder(filed.case_id)]
    for _ in range(3):
        [current] = [a for a in world.assignments(filed.case_id) if a.ended_at is None]
        assert current.ack_deadline - current.assigned_at == timedelta(minutes=15)
        with freeze_time(current.ack_deadline + timedelta(seconds=1)):
            check_ack_deadline(world.ctx, current.id)
        holders.append(world.holder(filed.case_id))
    # Both fitting officers, then the coordinator, then round again.
    assert holders == [first, second, coordinator, first]


def test_an_escalation_is_stopped_by_an_ok_sent_just_before_the_check_runs(world: World) -> None:
    first, _, _, _, _ = _setup(world)
    filed = world.file()
    world.drain()
    [assignment] = world.assignments(filed.case_id)
    with freeze_time(assignment.ack_deadline - timedelta(seconds=5)):
        world.text(_phone_of(world, first), f"OK {filed.code}")
    with freeze_time(assignment.ack_deadline + timedelta(seconds=5)):
        check_ack_deadline(world.ctx, assignment.id)
    assert world.holder(filed.case_id) == first


def _phone_of(world: World, officer_id: int) -> str:
    from service.casework.assignment import officer_phone
    from service.storage.casework_models import Officer

    with world.container.sessions() as db:
        officer = db.get(Officer, officer_id)
        assert officer is not None
        return officer_phone(world.ctx, officer)
