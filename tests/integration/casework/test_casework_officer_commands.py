"""Officer SMS commands: acknowledge, close, refer, outcomes, notes, numbers, lists."""

from __future__ import annotations

import json

from sqlalchemy import select

from crypto import KeyStore, ReportOpener
from service.casework.audit import verify_log
from service.storage.casework_models import (
    AuditEntry,
    CaseClosure,
    CaseNote,
    ContactRequest,
    InboundSmsSeen,
    Referral,
    StructuringItem,
)
from tests.integration.casework.conftest import Filed, World, new_number


def _assigned(world: World, **answers: str) -> tuple[Filed, str]:
    """A case held by a fresh psychosocial officer; returns it and the officer's number."""
    _, phone = world.officer("Ana", role="psychosocial", phone=answers.pop("officer_phone", None))
    filed = world.file(**answers)
    world.drain()
    return filed, phone


def _last(world: World, number: str) -> str:
    world.drain()
    received = world.inbox(number)
    assert received, "nothing received"
    return received[-1]


def test_ok_acknowledges_and_the_reporter_who_chose_sms_hears_being_handled(
    world: World,
) -> None:
    filed, officer = _assigned(world)
    world.text(officer, f"ok {filed.code}")
    assert "confirmado" in _last(world, officer)
    assert world.case(filed.case_id).status == "acknowledged"
    assert world.inbox(filed.phone) == [f"Codigo {filed.code}: em tratamento."]
    # A second OK changes nothing and tells the reporter nothing new.
    world.text(officer, f"OK {filed.code}")
    world.drain()
    assert len(world.inbox(filed.phone)) == 1


def test_a_reporter_who_did_not_choose_sms_hears_nothing(world: World) -> None:
    filed, officer = _assigned(world, contact="none")
    world.text(officer, f"OK {filed.code}")
    world.text(officer, f"FIM {filed.code} 1")
    world.drain()
    assert world.inbox(filed.phone) == []


def test_codes_may_be_typed_in_groups_and_any_case(world: World) -> None:
    filed, officer = _assigned(world)
    code = filed.code
    world.text(officer, f"Ok {code[:3]} {code[3:6]}-{code[6:]}")
    assert "confirmado" in _last(world, officer)


def test_close_without_a_reason_offers_the_reasons_and_with_one_closes(world: World) -> None:
    filed, officer = _assigned(world)
    world.text(officer, f"FIM {filed.code}")
    menu = _last(world, officer)
    assert "1 atendido" in menu and "8 seguranca" in menu
    assert world.case(filed.case_id).status == "assigned"

    world.text(officer, f"close {filed.code} 3")
    assert "fechado" in _last(world, officer)
    assert world.case(filed.case_id).status == "closed"
    with world.container.sessions() as db:
        [closure] = db.scalars(select(CaseClosure)).all()
    assert closure.reason == "lost_contact"
    # Closing acknowledges too, but the reporter hears only the final word.
    assert world.inbox(filed.phone) == [f"Codigo {filed.code}: concluido."]

    world.text(officer, f"OK {filed.code}")
    assert "ja esta fechado" in _last(world, officer)


def test_a_referral_is_recorded_the_reporter_hears_referred_and_outcomes_follow_the_rules(
    world: World,
) -> None:
    filed, officer = _assigned(world)
    world.text(officer, f"ENC {filed.code}")
    assert "1 saude" in _last(world, officer)

    world.text(officer, f"ENC {filed.code} 1")
    assert "encaminhamento 1 registado" in _last(world, officer)
    assert world.case(filed.case_id).status == "referred"
    assert world.inbox(filed.phone) == [f"Codigo {filed.code}: encaminhado."]

    world.text(officer, f"RES {filed.code} 1 1")  # accepted
    assert "atualizado" in _last(world, officer)
    world.text(officer, f"RES {filed.code} 1 2")  # service received
    assert "atualizado" in _last(world, officer)
    world.text(officer, f"RES {filed.code} 1 3")  # declined, after received: refused
    assert "nao pode" in _last(world, officer)
    world.text(officer, f"RES {filed.code} 7 1")  # no such referral
    assert "nao existe" in _last(world, officer)
    with world.container.sessions() as db:
        [referral] = db.scalars(select(Referral)).all()
    assert (referral.service, referral.status) == ("health", "service_received")
    assert world.case(filed.case_id).status == "follow_up"


def test_a_police_complaint_referral_needs_the_reporters_consent(world: World) -> None:
    filed, officer = _assigned(world, police_ok="no")
    world.text(officer, f"REF {filed.code} 4")
    assert "sem consentimento" in _last(world, officer)
    with world.container.sessions() as db:
        assert db.scalars(select(Referral)).all() == []

    consented, officer2 = _assigned(world, police_ok="yes", officer_phone=new_number())
    world.text(officer2, f"REF {consented.code} 4")
    assert "registado" in _last(world, officer2)


def test_a_note_is_sealed_for_the_desk_and_nowhere_in_clear(world: World) -> None:
    filed, officer = _assigned(world)
    world.text(officer, f"NOTA {filed.code} falei com ela, vai ao centro amanha")
    assert "nota registada" in _last(world, officer)
    with world.container.sessions() as db:
        [note] = db.scalars(select(CaseNote)).all()
        ref = world.case(filed.case_id).ref
    assert b"falei" not in note.content_sealed
    opener = ReportOpener(KeyStore(world.settings.keys_dir).report_private())
    opened = opener.open_report(note.content_sealed, "note:" + ref)
    assert opened.decode() == "falei com ela, vai ao centro amanha"


def test_the_reporters_number_goes_to_the_holder_only_when_they_asked_for_a_call(
    world: World,
) -> None:
    call, officer = _assigned(world, contact="call")
    world.text(officer, f"TEL {call.code}")
    number_sms = _last(world, officer)
    assert call.phone in number_sms and call.code in number_sms
    with world.container.sessions() as db:
        [request] = db.scalars(select(ContactRequest)).all()
        actions = db.scalars(select(AuditEntry.action)).all()
    assert request.outcome == "sent"
    assert "contact_disclosed" in actions
    assert verify_log(
        world.container.sessions, KeyStore(world.settings.keys_dir).audit_verifier()
    ).intact

    sms_only, officer2 = _assigned(world, contact="sms", officer_phone=new_number())
    world.text(officer2, f"CALL {sms_only.code}")
    reply = _last(world, officer2)
    assert "nao pediu chamada" in reply and sms_only.phone not in reply


def test_cases_lists_the_officers_open_cases_and_help_lists_the_commands(world: World) -> None:
    first, officer = _assigned(world)
    second = world.file()
    world.drain()
    world.text(officer, "casos")
    listing = _last(world, officer)
    assert first.code in listing and second.code in listing
    world.text(officer, f"FIM {first.code} 1")
    world.text(officer, "CASES")
    listing = _last(world, officer)
    assert first.code not in listing and second.code in listing
    world.text(officer, "ajuda")
    assert "OK cod" in _last(world, officer)


def test_a_malformed_command_gets_the_usage_text(world: World) -> None:
    filed, officer = _assigned(world)
    usage = "Comando incompleto. Envie AJUDA para ver os comandos."
    for text in ("OK", "OK 1234", f"FIM {filed.code} x", f"NOTA {filed.code}", "bom dia"):
        world.text(officer, text)
        assert _last(world, officer) == usage, text
    assert world.case(filed.case_id).status == "assigned"


def test_an_english_speaking_officer_gets_english_replies(world: World) -> None:
    _, officer = world.officer("Eve", role="psychosocial", lang="en")
    filed = world.file()
    world.drain()
    assert world.inbox(officer)[0].startswith("New case")
    world.text(officer, f"OK {filed.code}")
    assert _last(world, officer) == f"Case {filed.code} confirmed. To close: CLOSE {filed.code}"


def test_an_unknown_sender_gets_nothing_at_all_and_changes_nothing(world: World) -> None:
    filed, _officer = _assigned(world)
    stranger = new_number()
    for text in (f"OK {filed.code}", f"FIM {filed.code} 1", "CASOS", f"TEL {filed.code}"):
        world.text(stranger, text)
    world.drain()
    assert world.inbox(stranger) == []
    assert world.case(filed.case_id).status == "assigned"
    # Not lost, though: a reporter may have written "Ok" in a message of their own.
    with world.container.sessions() as db:
        kept = db.scalars(select(StructuringItem)).all()
    assert len(kept) == 4 and all(filed.code.encode() not in i.content_sealed for i in kept)


def test_a_retried_inbound_sms_is_handled_once(world: World) -> None:
    filed, officer = _assigned(world)
    message_id = world.text(officer, f"ENC {filed.code} 2")
    world.text(officer, f"ENC {filed.code} 2", message_id=message_id)
    world.drain()
    with world.container.sessions() as db:
        assert len(db.scalars(select(Referral)).all()) == 1
        assert len(db.scalars(select(InboundSmsSeen)).all()) == 1
    assert sum("registado" in text for text in world.inbox(officer)) == 1


def test_a_deactivated_officer_is_a_stranger_and_their_cases_move_on(world: World) -> None:
    filed, officer = _assigned(world)
    successor, successor_phone = world.officer("Bia", role="psychosocial")
    [holder] = {a.officer_id for a in world.assignments(filed.case_id)}
    outbox_ids = world.registry.deactivate(holder)
    world.container.dispatcher.enqueue(outbox_ids)
    world.drain()
    assert world.holder(filed.case_id) == successor
    assert filed.code in world.inbox(successor_phone)[0]
    before = len(world.inbox(officer))
    world.text(officer, f"OK {filed.code}")
    world.drain()
    assert len(world.inbox(officer)) == before


def test_audit_log_records_each_step_and_its_chain_holds(world: World) -> None:
    filed, officer = _assigned(world)
    world.text(officer, f"OK {filed.code}")
    world.text(officer, f"FIM {filed.code} 1")
    world.drain()
    with world.container.sessions() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [e.action for e in entries if e.case_id == filed.case_id]
    assert actions == ["assigned", "status_acknowledged", "status_closed"]
    assert all(filed.code not in json.dumps([e.detail, e.actor]) for e in entries)
    verifier = KeyStore(world.settings.keys_dir).audit_verifier()
    assert verify_log(world.container.sessions, verifier).intact
    # The web sealed the officers' commands, the worker the assignment, each with its own key.
    assert {e.signer for e in entries} == {"web", "worker"}
    with world.container.sessions.begin() as db:
        entries[1].detail = "edited"
        db.merge(entries[1])
    broken = verify_log(world.container.sessions, verifier).broken
    assert broken is not None and broken.seq == entries[1].seq
