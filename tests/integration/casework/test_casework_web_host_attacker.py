"""The web host's attacker against the numbers: its key folder and a database dump.

Every lasting number digest in SQL (officers, reporters who chose SMS, free-text senders) is made
with the number key, which only the worker holds. The test knows each true number, so it can
ask the strongest question: not even the true number, digested under any secret the web holds
in any way the service digests, gives a stored digest. Then no search over the ~6*10**7
Mozambican mobiles can succeed either, whatever its budget. Inbound SMS reach the database
sealed for the worker, and are acknowledged before any matching is done.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from crypto import ContactOpener, KeyStore, NumberHasher, Pseudonymiser, SecretHasher
from crypto.contexts import INBOUND_SMS, context
from crypto.keys import SECRET_NAMES
from service.casework.sms_inbox import HANDLE_INBOUND_JOB
from service.storage.casework_models import (
    InboundSmsSeen,
    Officer,
    OutboundSms,
    StructuringItem,
)
from service.storage.models import Case, OutboxJob
from tests.integration.casework.conftest import World, new_number
from tests.support.apps import admin_keys


def _every_digest_the_web_can_make(keys: KeyStore, phone: str) -> set[str]:
    """The number digested under each secret in the web's folder, by every digest we use."""
    held = [name for name in SECRET_NAMES if (keys.path / f"{name}.secret.json").exists()]
    made: set[str] = set()
    for name in held:
        secret = keys.secret(name)
        made.add(NumberHasher(secret).number_digest(phone))
        made.add(SecretHasher(secret).code_digest(phone))
        made.add(hmac.new(secret, phone.encode(), hashlib.sha256).hexdigest())
        made.update(Pseudonymiser(secret).pseudonym(phone, period) for period in range(-2, 30000))
    return made


def test_the_web_hosts_keys_cannot_make_any_number_digest_stored_in_sql(world: World) -> None:
    _, officer_number = world.officer("Ana", role="psychosocial")
    reporter = new_number()
    world.file(phone=reporter, contact="sms")
    world.drain()  # the worker takes the case, and digests the reporter's number
    stranger = new_number()
    world.text(stranger, "preciso de ajuda")
    world.text(reporter, "PARAR")
    with world.container.sessions() as db:
        stored = set(db.scalars(select(Officer.phone_digest)))
        stored |= {d for d in db.scalars(select(Case.contact_digest)) if d}
        stored |= set(db.scalars(select(StructuringItem.contact_digest)))
        assert db.scalar(select(Case.sms_opt_out)) is True  # STOP found the case
    assert len(stored) == 3

    web_keys = KeyStore(world.settings.keys_dir)
    assert not (web_keys.path / "number.secret.json").exists()
    for phone in (officer_number, reporter, stranger):
        assert not _every_digest_the_web_can_make(web_keys, phone) & stored
    # The worker's number key makes each of them (so the test would see a leak).
    numbers = NumberHasher(admin_keys(world.settings).number_pepper())
    assert {numbers.number_digest(p) for p in (officer_number, reporter, stranger)} == stored


def test_an_inbound_sms_is_stored_sealed_and_acknowledged_before_the_worker_matches_it(
    world: World,
) -> None:
    _, officer_number = world.officer("Ana", role="psychosocial")
    response = world.client.post(
        "/sms/inbound",
        query_string={"token": world.settings.webhook_token},
        data={"from": officer_number, "to": "12345", "text": "CASOS", "id": "ATXid_sealed_1"},
    )
    assert response.status_code == 200
    with world.container.sessions() as db:
        seen = db.scalars(select(InboundSmsSeen)).one()
        job = db.scalars(select(OutboxJob).where(OutboxJob.job == HANDLE_INBOUND_JOB)).one()
        assert db.scalars(select(OutboundSms)).all() == []  # nothing answered by the web
    assert seen.handled_as == "pending" and job.inbound_sms_id == seen.id
    assert seen.message_sealed is not None and seen.ref is not None
    assert officer_number.encode() not in seen.message_sealed
    assert officer_number[4:].encode() not in seen.message_sealed
    assert b"CASOS" not in seen.message_sealed
    opened = ContactOpener(admin_keys(world.settings).contact_private()).open_for_worker(
        seen.message_sealed, context(INBOUND_SMS, seen.ref)
    )
    assert officer_number in opened and "CASOS" in opened

    world.work_inbound()  # the worker's job

    with world.container.sessions() as db:
        handled = db.get(InboundSmsSeen, seen.id)
        assert handled is not None
        assert handled.handled_as == "officer_command"
        assert handled.message_sealed is None  # kept no longer than needed
        [reply] = db.scalars(select(OutboundSms)).all()
    assert reply.purpose == "officer_reply"
    world.drain()
    assert len(world.inbox(officer_number)) == 1  # sent by the worker


def test_a_second_run_of_the_inbound_job_does_nothing(world: World) -> None:
    sender = new_number()
    world.text(sender, "AJUDA")
    with world.container.sessions() as db:
        [job] = db.scalars(select(OutboxJob).where(OutboxJob.job == HANDLE_INBOUND_JOB)).all()
    world.ctx.inbound.handle(job.inbound_sms_id)
    world.drain()
    assert len(world.inbox(sender)) == 1
