"""Delivery: attempts recorded, temporary failures retried until sent once, final ones kept."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from click.testing import CliRunner
from rq import Queue
from rq.job import JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import update

from service.casework.coordinator_queries import failed_messages
from service.cli.main import main
from service.messaging.africastalking.sms_client import AfricasTalkingGateway
from service.messaging.gateway import NotAccepted
from service.queueing.job_queue import URGENT_QUEUE_NAME
from service.storage.casework_models import OutboundSms
from tests.integration.casework.conftest import World
from tests.support.fake_aggregator import API_KEY, USERNAME


def _first_alert(world: World) -> OutboundSms:
    world.drain()
    return next(row for row in world.outbound() if row.purpose == "officer_alert")


def _row(world: World, sms_id: int) -> OutboundSms:
    [row] = [r for r in world.outbound() if r.id == sms_id]
    return row


def test_http_500s_then_recovery_deliver_the_message_exactly_once(world: World) -> None:
    world.aggregator.fail_next(2, http_status=500)
    _, phone = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    assert len(world.inbox(phone)) == 1 and filed.code in world.inbox(phone)[0]
    assert world.aggregator.requests == 3
    row = _first_alert(world)
    assert (row.status, row.attempts) == ("sent", 3)
    assert row.provider_message_id == world.aggregator.sent[0].message_id


def test_per_recipient_status_500_with_http_200_is_retried_too(world: World) -> None:
    world.aggregator.reject_next(1, status_code=500)
    _, phone = world.officer("Ana", role="psychosocial")
    world.file()
    world.drain()
    assert len(world.inbox(phone)) == 1
    assert _first_alert(world).attempts == 2


@pytest.mark.parametrize("status_code", [403, 406, 409])
def test_a_final_status_is_recorded_not_retried_and_shown_to_coordinators(
    world: World, status_code: int
) -> None:
    world.aggregator.reject_next(1, status_code=status_code)
    world.officer("Ana", role="psychosocial")
    world.file()
    world.drain()
    row = _first_alert(world)
    assert (row.status, row.attempts, row.failure_class) == ("failed", 1, "final")
    assert row.failure_code == f"status_{status_code}"
    assert world.aggregator.requests == 1
    [failed] = failed_messages(world.container.sessions)
    assert failed.id == row.id and failed.purpose == "officer_alert"

    result = CliRunner().invoke(
        main,
        ["messages", "failed"],
        env={
            "HANDSOFF_HOME": str(world.ctx.settings.home),  # the worker's host: its keys open codes
            "DATABASE_URL": world.settings.database_url,
            "REDIS_URL": world.settings.redis_url or "",
            "WEBHOOK_TOKEN": world.settings.webhook_token or "",
        },
    )
    assert result.exit_code == 0, result.output
    assert f"status_{status_code}" in result.output and "officer_alert" in result.output


def test_temporary_failures_give_up_after_the_last_attempt(world: World) -> None:
    world.aggregator.fail_next(10, http_status=503)
    world.officer("Ana", role="psychosocial")
    world.file()
    world.drain()
    row = _first_alert(world)
    assert row.status == "failed"
    assert row.attempts == world.ctx.retry.max_attempts
    assert row.failure_code == "http_error_gave_up"


def test_a_read_timeout_resends_to_an_officer_who_may_get_it_twice(world: World) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    world.aggregator.hold_next(1)  # taken, but answered only when the test says so
    filed = world.file()
    world.drain()  # the first call times out; the retry is accepted
    row = _first_alert(world)
    assert (row.status, row.attempts) == ("sent", 2)
    alert = world.opened(row)[1]
    assert filed.code in alert and world.inbox(officer) == [alert]
    # The aggregator took the first copy after we had stopped waiting: an alert twice is
    # better than an alert lost. Once it has answered everything, nothing more can arrive.
    world.aggregator.release()
    assert world.aggregator.settled()
    assert world.inbox(officer) == [alert, alert]
    assert world.aggregator.requests == 2


def test_a_slow_reporter_update_is_recorded_as_unknown_and_not_sent_twice(world: World) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    world.text(officer, f"OK {filed.code}")
    # Run the officer's reply first, then hold the aggregator's answer to the reporter's update.
    reply = next(r for r in world.outbound() if r.purpose == "officer_reply")
    from service.messaging.delivery import send_sms

    send_sms(world.ctx, reply.id)
    world.aggregator.hold_next(1)
    world.drain()
    row = next(r for r in world.outbound() if r.purpose == "reporter_update")
    assert (row.status, row.attempts, row.failure_code) == ("unknown", 1, "read_timeout")
    world.ctx.sms.sweep(stale_after=timedelta(0))
    world.drain()
    world.aggregator.release()
    assert world.aggregator.settled()
    # The one copy went out after all; no second attempt was ever made.
    assert world.inbox(filed.phone) == [f"Codigo {filed.code}: em tratamento."]
    assert row.id in {m.id for m in failed_messages(world.container.sessions)}
    assert _row(world, row.id).attempts == 1


def test_delivery_reports_update_each_message_by_provider_id(world: World) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    world.text(officer, f"OK {filed.code}")
    world.drain()
    alert, reply = [r for r in world.outbound() if r.audience == "officer"]
    assert alert.provider_message_id and reply.provider_message_id

    assert world.delivery_report(alert.provider_message_id, "Buffered") == 200
    assert _row(world, alert.id).status == "sent"
    assert world.delivery_report(alert.provider_message_id, "Success") == 200
    assert world.delivery_report(alert.provider_message_id, "Sent") == 200  # late, out of order
    assert _row(world, alert.id).status == "delivered"

    assert world.delivery_report(reply.provider_message_id, "Failed", "UserInBlackList") == 200
    failed = _row(world, reply.id)
    assert (failed.status, failed.failure_class, failed.failure_code) == (
        "failed",
        "delivery",
        "UserInBlackList",
    )
    assert world.delivery_report("ATXid_unknown", "Success") == 200


def test_a_send_interrupted_by_a_dead_worker_is_resent_to_officers_only(world: World) -> None:
    from service.casework.assignment import assign_new_case
    from service.casework.reporter_updates import notify_reporter

    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file(dispatch=False)
    assign_new_case(world.ctx, filed.case_id)
    world.text(officer, f"OK {filed.code}")
    notify_reporter(world.ctx, filed.case_id, "handled")
    rows = world.outbound()
    alert = next(r for r in rows if r.purpose == "officer_alert")
    update_row = next(r for r in rows if r.purpose == "reporter_update")
    # As if a worker had claimed both rows six minutes ago, then died before recording anything:
    # it had taken their jobs off the queue, and rq still shows them started.
    urgent = Queue(URGENT_QUEUE_NAME, connection=world.connection, serializer=JSONSerializer)
    for job in urgent.get_jobs():
        urgent.remove(job)
        job.set_status(JobStatus.STARTED)
    long_ago = alert.created_at - timedelta(minutes=6)
    with world.container.sessions.begin() as db:
        db.execute(
            update(OutboundSms)
            .where(OutboundSms.id.in_([alert.id, update_row.id]))
            .values(status="sending", attempts=1, last_attempt_at=long_ago)
        )
    assert world.ctx.sms.sweep() >= 2
    world.drain()
    assert (_row(world, alert.id).status, _row(world, alert.id).attempts) == ("sent", 2)
    assert filed.code in world.inbox(officer)[0]
    interrupted = _row(world, update_row.id)
    assert (interrupted.status, interrupted.failure_code) == ("unknown", "interrupted")
    assert world.inbox(filed.phone) == []


def test_an_invalid_number_is_a_final_failure_and_the_number_is_not_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = AfricasTalkingGateway(USERNAME, API_KEY, base_url=world.aggregator.base_url)
    result = gateway.send("258849876543", "texto")
    assert result == NotAccepted("final", "invalid_number")
    assert "9876543" not in caplog.text


def test_a_queued_update_is_cancelled_when_the_reporter_texts_stop_before_it_goes(
    world: World,
) -> None:
    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    world.text(officer, f"OK {filed.code}")
    from service.casework.assignment import lock_case  # noqa: F401  (documents the lock order)
    from service.casework.reporter_updates import notify_reporter

    notify_reporter(world.ctx, filed.case_id, "handled")  # the update row exists, not yet sent
    with world.container.sessions.begin() as db:
        db.execute(update(OutboundSms).values(enqueued_at=None))
    # STOP arrives, then whatever was queued runs.
    from service.storage.models import Case

    with world.container.sessions.begin() as db:
        db.execute(update(Case).where(Case.id == filed.case_id).values(sms_opt_out=True))
    world.drain()
    assert world.inbox(filed.phone) == []
    update_row = next(r for r in world.outbound() if r.purpose == "reporter_update")
    assert update_row.status == "cancelled"


def test_the_attempt_is_committed_before_the_http_call_and_the_result_after(world: World) -> None:
    import threading

    from service.messaging.delivery import send_sms

    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file()
    world.drain()
    world.text(officer, f"OK {filed.code}")
    reply = next(r for r in world.outbound() if r.purpose == "officer_reply")
    world.aggregator.hold_next(1)
    before = world.aggregator.requests
    sending = threading.Thread(target=send_sms, args=(world.ctx, reply.id))
    sending.start()
    try:
        assert world.aggregator.wait_for(lambda: world.aggregator.requests == before + 1)
        # The aggregator has the request and has not answered: the attempt is already durable.
        held = _row(world, reply.id)
        assert (held.status, held.attempts, held.provider_message_id) == ("sending", 1, None)
    finally:
        world.aggregator.release()
        sending.join(timeout=30)
    done = _row(world, reply.id)
    assert (done.status, done.attempts) == ("sent", 1)
    assert done.provider_message_id == world.aggregator.sent[-1].message_id
