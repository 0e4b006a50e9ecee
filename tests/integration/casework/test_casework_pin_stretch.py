"""The worker stretches the PIN the web sealed: its first case job, or the maintenance sweep."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import update

from crypto import SecretHasher
from service.casework.maintenance import run_maintenance
from service.casework.outbox_jobs import run_outbox
from service.casework.pin_stretch import stretch_pending_pins
from service.queueing.job_queue import LOW_QUEUE_NAME
from service.storage.models import Case
from tests.integration.casework.conftest import World, new_number
from tests.support.apps import admin_keys


def _expected(world: World, code: str, ref: str, pin: str) -> str:
    return SecretHasher(admin_keys(world.settings).code_key()).pin_digest(code, pin, ref)


def test_the_web_seals_the_pin_and_the_assign_job_stretches_it(world: World) -> None:
    world.officer("Ana", role="psychosocial")
    filed = world.file(pin="4321")
    pending = world.case(filed.case_id)
    assert pending.pin_digest is None and pending.pin_sealed is not None
    # Padded as every blob for the worker, so its length says nothing of what it holds.
    assert pending.code_for_worker is not None
    assert len(pending.pin_sealed) == len(pending.code_for_worker)
    assert b"4321" not in pending.pin_sealed

    world.drain()
    case = world.case(filed.case_id)
    assert case.pin_sealed is None
    assert case.pin_digest == _expected(world, filed.code, case.ref, "4321")
    asker = new_number()
    world.text(asker, f"ESTADO {filed.code} 1111")
    world.text(asker, f"ESTADO {filed.code} 4321")
    world.drain()
    assert world.inbox(asker) == [
        "Nao foi possivel ver esse caso. Verifique codigo e PIN.",
        f"Codigo {filed.code}: em tratamento.",
    ]


def test_the_job_queues_the_stretch_last_and_a_second_run_stretches_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    filed = world.file(pin="4321", dispatch=False)
    calls: list[int] = []
    real_scrypt: Callable[..., bytes] = hashlib.scrypt

    def counting_scrypt(password: bytes, **params: int | bytes) -> bytes:
        calls.append(1)
        return real_scrypt(password, **params)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    [assign] = filed.outbox_ids
    run_outbox(world.ctx, assign)  # nobody on duty: the case waits, its PIN too
    # The job did its own work and queued the stretch on the queue taken last: no scrypt yet.
    assert calls == [] and world.case(filed.case_id).pin_digest is None
    low = Queue(LOW_QUEUE_NAME, connection=world.connection, serializer=JSONSerializer)
    assert [job.func_name for job in low.get_jobs()] == ["workers.jobs.stretch_pin"]
    world.drain(queue_names=[LOW_QUEUE_NAME])
    case = world.case(filed.case_id)
    assert case.pin_digest == _expected(world, filed.code, case.ref, "4321")
    assert calls == [1, 1]  # the stretch, and the expected digest computed here
    assert stretch_pending_pins(world.ctx.sessions, world.ctx.opener) == 0
    assert world.case(filed.case_id).pin_digest == case.pin_digest
    assert world.case(filed.case_id).version == case.version


def test_maintenance_stretches_a_pin_whose_job_never_ran(world: World) -> None:
    filed = world.file(pin="4321", dispatch=False)
    other = world.file(pin=None, dispatch=False)
    run_maintenance(world.ctx, reschedule=False)  # its outbox step only enqueues the rows
    case = world.case(filed.case_id)
    assert case.pin_sealed is None
    assert case.pin_digest == _expected(world, filed.code, case.ref, "4321")
    assert world.case(other.case_id).pin_digest is None


def test_a_pending_case_answers_its_own_number_by_sms_that_it_is_being_registered(
    world: World,
) -> None:
    filed = world.file(pin="4321", dispatch=False)
    stranger = new_number()
    world.text(filed.phone, f"ESTADO {filed.code} 4321")
    world.text(stranger, f"ESTADO {filed.code} 4321")
    replies = [world.opened(row) for row in world.outbound() if row.purpose == "reporter_reply"]
    assert (
        filed.phone,
        "O seu caso esta a ser registado. Tente de novo daqui a uns minutos.",
    ) in replies
    assert (stranger, "Nao foi possivel ver esse caso. Verifique codigo e PIN.") in replies


def test_an_altered_sealed_pin_is_dropped_and_one_for_an_unknown_key_is_kept(
    world: World,
) -> None:
    altered = world.file(pin="4321", dispatch=False)
    unknown_key = world.file(pin="4321", dispatch=False)
    blob = world.case(altered.case_id).pin_sealed
    assert blob is not None
    with world.container.sessions.begin() as db:
        db.execute(
            update(Case)
            .where(Case.id == altered.case_id)
            .values(pin_sealed=blob[:-1] + bytes([blob[-1] ^ 1]))
        )
        foreign = b"\x01" + b"\xff" * 8 + blob[9:]  # sealed to a key this worker never had
        db.execute(update(Case).where(Case.id == unknown_key.case_id).values(pin_sealed=foreign))
    assert stretch_pending_pins(world.ctx.sessions, world.ctx.opener) == 0
    dropped = world.case(altered.case_id)
    assert dropped.pin_sealed is None and dropped.pin_digest is None
    assert world.case(unknown_key.case_id).pin_sealed == foreign
