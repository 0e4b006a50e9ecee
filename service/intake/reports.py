"""Commit a report or help request: envelope in clear, content and contact sealed, outbox row."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnDefault,
    DateTime,
    Integer,
    String,
    Table,
    bindparam,
    insert,
    literal,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from crypto import ContactSealer, ReportSealer, SecretHasher, StateCipher
from crypto.contexts import (
    CASE_CODE_FOR_WEB,
    CASE_CODE_FOR_WORKER,
    CASE_PIN_FOR_WORKER,
    REPORTER_CONTACT,
    context,
    context_bytes,
)
from flows import SubmitCase
from flows.case_code import make_code
from flows.case_status import RECEIVED
from flows.envelope import derive_envelope
from service.clock import to_the_hour
from service.storage.models import Case, OutboxJob

log = logging.getLogger(__name__)

CONTACT_BY_SMS_OR_CALL = frozenset({"sms", "call"})
CODE_ATTEMPTS = 5
# The outbox job of a new case: find it a holder, or (a repeat) join the caller's first case.
ASSIGN_JOB = "assign_case"
REPEATED_JOB = "urgent_repeated"


@dataclass(frozen=True)
class Submitted:
    """What the USSD shell needs after a commit: the code to show and the rows to enqueue.

    `outbox_ids` lists the rows written marked as enqueued, which the caller enqueues now; rows
    left waiting for the worker's relay are not listed.
    """

    code: str
    case_id: int
    outbox_ids: tuple[int, ...]
    created: bool


class Intake:
    """Seal and commit cases. Holds public keys only: it can write reports, never read them."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        report_sealer: ReportSealer,
        contact_sealer: ContactSealer,
        state_cipher: StateCipher,
        hasher: SecretHasher,
        random_digits: Callable[[], str],
        relayed: bool = False,
    ) -> None:
        self._sessions = sessions
        self._report_sealer = report_sealer
        self._contact_sealer = contact_sealer
        self._state_cipher = state_cipher
        self._hasher = hasher
        self._random_digits = random_digits
        # Relayed: outbox rows are left waiting for the worker's relay (no queue work here).
        self._relayed = relayed

    def submit(
        self,
        effect: SubmitCase,
        *,
        session_digest: str,
        phone: str,
        lang: str,
        now: datetime,
        repeat_of: int | None = None,
    ) -> Submitted:
        """Create or complete the session's case in one transaction, with its outbox row.

        `repeat_of`: the open urgent case the same caller committed within the last hours. A
        new case is then still committed in full, but its outbox row is `urgent_repeated`
        (join the first case, tell its holder) instead of `assign_case` (alert an officer).
        """
        # Only a report whose reporter said "in danger" can have an urgent case already; any
        # other session's case is new, so the first try inserts without looking. Should it exist
        # after all (a repeated hop replayed without Redis), the unique session digest refuses
        # the insert and the next try looks first.
        look_first = effect.answers.get("danger") == "yes"
        for _ in range(CODE_ATTEMPTS):
            try:
                return self._submit_once(
                    effect, session_digest, phone, lang, now, look_first, repeat_of
                )
            except IntegrityError:
                # A code collision (draw again) or a concurrent hop of the same session.
                log.info("case insert conflicted; retrying")
                look_first = True
            except StaleDataError:
                # The worker changed the urgent case between our read and our write (only where
                # FOR UPDATE is a no-op: SQLite, the embedded default): read it again.
                log.info("case changed meanwhile; retrying")
                look_first = True
        raise RuntimeError("could not allocate a unique case code")

    def _submit_once(
        self,
        effect: SubmitCase,
        session_digest: str,
        phone: str,
        lang: str,
        now: datetime,
        look_first: bool,
        repeat_of: int | None = None,
    ) -> Submitted:
        with self._sessions.begin() as db:
            case = None
            if not look_first and db.get_bind().dialect.name == "postgresql":
                # A new case is one statement here (see _insert_case), atomic and durable on
                # its own: autocommit saves the BEGIN and COMMIT round trips, each a wait for
                # the GIL under load. The pool gives the connection back transactional.
                db.connection(execution_options=ONE_STATEMENT)
            if look_first:
                case = db.scalars(
                    select(Case).where(Case.session_digest == session_digest).with_for_update()
                ).one_or_none()
            if case is None:
                # Every column is filled first; then the case and its outbox row are written by
                # Core statements, not the ORM unit of work (the hot path of every report).
                code = make_code(self._random_digits())
                case = self._new_case(code, session_digest, effect, lang, now)
                self._fill(case, code, effect, phone, lang, now)
                case.repeat_of_case_id = repeat_of
                values = _column_values(case)
                if effect.stage == "urgent":
                    # The alert waits for the next two answers (contact, province): the
                    # "alert" submit writes it, or the orphan sweep if they never come. A repeat
                    # of the caller's first urgent case is joined to it then (`urgent_repeated`).
                    params = values_with_defaults(values)
                    case_id = db.connection().execute(_STATEMENTS.case, params).scalar_one()
                    return Submitted(code, int(case_id), (), created=True)
                outbox_id, case_id = self._insert_case(db, values, now, self._marked(now))
                return Submitted(code, case_id, self._to_enqueue(outbox_id), created=True)
            # The session's urgent case exists: complete it (or show its code again).
            code = self._state_cipher.open(case.code_sealed or b"", _code_context(case)).decode()
            if case.stage == "final":
                return Submitted(code=code, case_id=case.id, outbox_ids=(), created=False)
            self._fill(case, code, effect, phone, lang, now)
            if effect.stage == "urgent":
                return Submitted(code=code, case_id=case.id, outbox_ids=(), created=False)
            # Located: alert now (or move the case, should the sweep have alerted it already); a
            # repeat of the caller's first urgent case joins that one instead of alerting anyone.
            if effect.stage == "final":
                job = "case_completed"
            else:
                job = REPEATED_JOB if case.repeat_of_case_id is not None else "case_located"
            # Core, not the ORM: the ORM would put the column's default in place of a None.
            completed = {"job": job, "case_id": case.id, "created_at": now}
            job_id = db.execute(
                insert(OutboxJob)
                .values(**completed, enqueued_at=self._marked(now), attempts=0)
                .returning(OutboxJob.id)
            ).scalar_one()
            return Submitted(code, case.id, self._to_enqueue(job_id), created=False)

    def _marked(self, now: datetime) -> datetime | None:
        """An outbox row's `enqueued_at` at writing: now if we enqueue it, else left waiting."""
        return None if self._relayed else now

    def _to_enqueue(self, outbox_id: int) -> tuple[int, ...]:
        return () if self._relayed else (outbox_id,)

    @staticmethod
    def _insert_case(
        db: Session,
        values: dict[str, Any],
        now: datetime,
        enqueued_at: datetime | None,
        job_name: str = "assign_case",
    ) -> tuple[int, int]:
        """Insert the case and its `assign_case` outbox row; returns (outbox id, case id).

        On PostgreSQL one statement does both (an INSERT inside a WITH); elsewhere two. The
        statements are built once (see _Statements) and executed on the Core connection.
        """
        connection = db.connection()
        job = {"now": now, "enqueued_at": enqueued_at, "job_name": job_name}
        params = {**values_with_defaults(values), **job}
        if connection.dialect.name == "postgresql":
            row = connection.execute(_STATEMENTS.case_and_job, params).one()
        else:
            case_id = connection.execute(_STATEMENTS.case, params).scalar_one()
            row = connection.execute(_STATEMENTS.job, {"case_id": case_id, **job}).one()
        outbox_id, case_id = row
        return int(outbox_id), int(case_id)

    def _new_case(
        self, code: str, session_digest: str, effect: SubmitCase, lang: str, now: datetime
    ) -> Case:
        case = Case(
            ref=secrets.token_hex(16),
            code_digest=self._hasher.code_digest(code),
            session_digest=session_digest,
            kind=effect.kind,
            stage=effect.stage,
            status=RECEIVED,
            lang=lang,
            # Exact: the orphan sweep and the officers' queue order run on it.
            created_at=now,
            updated_at=to_the_hour(now),
        )
        case.code_sealed = self._state_cipher.seal(code.encode(), _code_context(case))
        case.code_for_worker = self._contact_sealer.seal_for_worker(
            code, context(CASE_CODE_FOR_WORKER, case.ref)
        )
        return case

    def _fill(
        self, case: Case, code: str, effect: SubmitCase, phone: str, lang: str, now: datetime
    ) -> None:
        """Write the envelope in clear and everything the reporter typed sealed."""
        answers = dict(effect.answers)
        pin = answers.pop("pin", None)
        envelope = derive_envelope(effect.kind, answers, now)
        case.stage = "final" if effect.stage == "final" else "urgent"
        case.lang = lang
        case.province = envelope.province
        case.subtype = envelope.subtype
        case.gbv_type = envelope.gbv_type
        case.perpetrator = envelope.perpetrator
        case.police_perpetrator = envelope.police_perpetrator
        case.urgent = bool(envelope.urgent or case.urgent)
        case.pep_window = envelope.pep_window
        case.child_protection = envelope.child_protection
        case.help = envelope.help
        case.contact = envelope.contact
        case.police_ok = envelope.police_ok
        case.incident_week = envelope.incident_date_coarse
        case.updated_at = to_the_hour(now)
        content = {
            "kind": effect.kind,
            "stage": effect.stage,
            "lang": lang,
            "code": code,
            "answers": answers,
        }
        case.content_sealed = self._report_sealer.seal_report(
            json.dumps(content, ensure_ascii=False).encode(), case.ref
        )
        if envelope.contact in CONTACT_BY_SMS_OR_CALL:
            case.contact_sealed = self._contact_sealer.seal_for_worker(
                phone, context(REPORTER_CONTACT, case.ref)
            )
        else:
            case.contact_sealed = None
        # Only a reporter who asked for SMS can be matched later (STOP, STATUS by SMS); the
        # worker writes that digest (assignment.remember_sms_contact): the number key is not here.
        if envelope.contact != "sms":
            case.contact_digest = None
        # The PIN's keyed MAC, sealed for the worker, which stretches it (memory-hard, salted by
        # the ref) into pin_digest: scrypt here would be most of a report's CPU on the web, and
        # a fake report would make the web spend it. Without the worker's key this opens nothing.
        case.pin_sealed = (
            self._contact_sealer.seal_for_worker(
                self._hasher.pin_mac(code, pin).hex(), context(CASE_PIN_FOR_WORKER, case.ref)
            )
            if pin
            else None
        )
        case.pin_digest = None
        # Only a case with a PIN can be checked, so only then is the filing number tagged.
        case.owner_tag = self._hasher.owner_tag(case.ref, phone) if pin else None


def _column_values(case: Case) -> dict[str, Any]:
    """The columns set on a not-yet-added Case, for a Core INSERT (unset ones keep defaults)."""
    return {
        column.key: case.__dict__[column.key]
        for column in Case.__table__.columns
        if column.key in case.__dict__
    }


class _Statements:
    """The INSERTs of a new case, built once: a statement built per call costs more than its
    round trip (SQLAlchemy coerces every value and the ORM path plans a unit of work)."""

    def __init__(self) -> None:
        cases, outbox = cast(Table, Case.__table__), cast(Table, OutboxJob.__table__)
        columns = [column for column in cases.columns if column.key != "id"]
        self.case = (
            insert(cases)
            .values({column.key: bindparam(column.key) for column in columns})
            .returning(cases.c.id)
        )
        job_columns = ["job", "case_id", "created_at", "enqueued_at", "attempts"]
        now = bindparam("now", type_=DateTime())
        enqueued_at = bindparam("enqueued_at", type_=DateTime())
        job_name = bindparam("job_name", type_=String())

        def job_from(case_id: Any) -> Any:
            # Marked as enqueued, or left waiting for the relay: see service/queueing/outbox.py.
            source = select(job_name, case_id, now, enqueued_at, literal(0))
            return (
                insert(outbox)
                .from_select(job_columns, source)
                .returning(outbox.c.id, outbox.c.case_id)
            )

        self.job = job_from(bindparam("case_id", type_=Integer()))
        self.case_and_job = job_from(select(self.case.cte("new_case").c.id).scalar_subquery())


_STATEMENTS = _Statements()
# The execution options of a submit that writes one statement (a new case on PostgreSQL).
ONE_STATEMENT = {"isolation_level": "AUTOCOMMIT"}
# Columns a new case may leave unset, with their model defaults (every bound name needs a value).
# Only plain values can be defaults here (tests/unit/service/test_intake_statements.py).
_CASE_DEFAULTS: dict[str, Any] = {
    column.key: column.default.arg if isinstance(column.default, ColumnDefault) else None
    for column in Case.__table__.columns
    if column.key != "id"
}


def values_with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """Every bound column of a new case: the values given, the model defaults for the rest."""
    return {**_CASE_DEFAULTS, **values}


def _code_context(case: Case) -> bytes:
    return context_bytes(CASE_CODE_FOR_WEB, case.ref)
