"""Officer SMS commands, run by the worker in the inbound SMS's transaction.

A command on a case the sender never held answers exactly as for a code that does not exist, and
so does one on a case the conflict-of-interest rule keeps from them, so an excluded officer
learns nothing, not even that the case exists; a case they held that moved on says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto import ContactOpener, ReportSealer, SecretHasher
from crypto.contexts import CASE_CODE_FOR_WORKER, CASE_NOTE, context
from flows.case_code import is_valid
from service.casework.assignment import may_hold
from service.casework.audit import record_event
from service.casework.sms_commands import Malformed, OfficerCommand
from service.casework.texts import SmsTexts
from service.casework.vocab import (
    ACKNOWLEDGED,
    CLOSED,
    CLOSURE_REASONS,
    FOLLOW_UP,
    OPEN_STATUSES,
    POLICE_COMPLAINT,
    REFERRAL_MOVES,
    REFERRAL_OUTCOMES,
    REFERRAL_SERVICES,
    REFERRAL_STATUSES,
    REFERRED,
)

# The holder's first action moves an early status to "acknowledged" (the one status table says
# which are early: the same set a new holder resets); the name stays importable here.
from service.casework.vocab import EARLY_STATUSES as EARLY_STATUSES
from service.clock import to_the_hour
from service.storage.casework_models import (
    Assignment,
    CaseClosure,
    CaseNote,
    ContactRequest,
    Officer,
    Referral,
)
from service.storage.models import Case, OutboxJob

# Keep the list of codes within the template's budget (officer.cases allows 100 characters).
CODES_BUDGET = 100


@dataclass
class CommandResult:
    """The reply to send the officer (None: nothing) and outbox rows written for the worker."""

    reply: str | None
    outbox: list[OutboxJob] = field(default_factory=list)


@dataclass(frozen=True)
class _Held:
    case: Case
    assignment: Assignment
    code: str


class OfficerCommands:
    """Acknowledge, close, refer, record outcomes, take notes, ask for a number, list cases."""

    def __init__(
        self,
        *,
        hasher: SecretHasher,
        opener: ContactOpener,
        report_sealer: ReportSealer,
        texts: SmsTexts,
        clock: Callable[[], datetime],
    ) -> None:
        self._hasher = hasher
        self._opener = opener
        self._report_sealer = report_sealer
        self._texts = texts
        self._clock = clock

    def run(
        self, db: Session, officer: Officer, command: OfficerCommand | Malformed
    ) -> CommandResult:
        """Run one parsed command for `officer` and say what to answer."""
        if isinstance(command, Malformed):
            return self._reply(officer, "officer.usage")
        if command.verb == "help":
            return self._reply(officer, "officer.help")
        if command.verb == "cases":
            return self._list_cases(db, officer)
        held = self._find_held_case(db, officer, command.code)
        if held is None:
            if self._held_before(db, officer, command.code):
                return self._reply(officer, "officer.moved", code=command.code)
            return self._reply(officer, "officer.not_found")
        if held.case.status == CLOSED:
            return self._reply(officer, "officer.already_closed", code=held.code)
        handler = {
            "ack": self._acknowledge,
            "close": self._close,
            "refer": self._refer,
            "outcome": self._record_outcome,
            "note": self._add_note,
            "contact": self._request_contact,
        }[command.verb]
        return handler(db, officer, held, command)

    # -- finding the case ------------------------------------------------------------------

    def _find_held_case(self, db: Session, officer: Officer, code: str) -> _Held | None:
        """The case with this code that `officer` holds now; anything else is 'not found'."""
        digest = self._hasher.code_digest(code)
        row = db.execute(
            select(Case, Assignment)
            .join(
                Assignment,
                (Assignment.case_id == Case.id)
                & Assignment.ended_at.is_(None)
                & (Assignment.officer_id == officer.id),
            )
            .where(Case.code_digest == digest)
            .with_for_update(of=Case)
        ).first()
        if row is None or not is_valid(code) or not may_hold(row[0], officer):
            # The conflict-of-interest rule also covers the moments before a reroute runs.
            return None
        return _Held(case=row[0], assignment=row[1], code=code)

    def _held_before(self, db: Session, officer: Officer, code: str) -> bool:
        """Whether `officer` once held this case and may still know of it (then: 'it moved').

        An officer the conflict-of-interest rule excludes gets 'not found', exactly as for a
        made-up code: the reply must not tell them the case exists.
        """
        if not is_valid(code):
            return False
        case = db.scalars(
            select(Case)
            .join(Assignment, Assignment.case_id == Case.id)
            .where(Case.code_digest == self._hasher.code_digest(code))
            .where(Assignment.officer_id == officer.id, Assignment.ended_at.is_not(None))
        ).first()
        return case is not None and may_hold(case, officer)

    # -- commands ----------------------------------------------------------------------------

    def _acknowledge(
        self, db: Session, officer: Officer, held: _Held, _: OfficerCommand
    ) -> CommandResult:
        result = self._reply(officer, "officer.acked", code=held.code)
        self._mark_acknowledged(db, officer, held, result)
        return result

    def _close(
        self, db: Session, officer: Officer, held: _Held, command: OfficerCommand
    ) -> CommandResult:
        if not command.numbers or not 1 <= command.numbers[0] <= len(CLOSURE_REASONS):
            return self._reply(officer, "officer.close_menu", code=held.code)
        now = self._clock()
        reason = CLOSURE_REASONS[command.numbers[0] - 1]
        result = self._reply(officer, "officer.closed", code=held.code)
        self._mark_acknowledged(db, officer, held, result, tell_reporter=False)
        db.add(
            CaseClosure(case_id=held.case.id, officer_id=officer.id, reason=reason, closed_at=now)
        )
        self._set_status(db, officer, held.case, CLOSED, detail=reason)
        result.outbox.append(self._outbox(db, "notify_reporter_concluded", held.case))
        return result

    def _refer(
        self, db: Session, officer: Officer, held: _Held, command: OfficerCommand
    ) -> CommandResult:
        if not command.numbers or not 1 <= command.numbers[0] <= len(REFERRAL_SERVICES):
            return self._reply(officer, "officer.refer_menu", code=held.code)
        service = REFERRAL_SERVICES[command.numbers[0] - 1]
        if service == POLICE_COMPLAINT and not held.case.police_ok:
            # Going to the police is always the reporter's own, explicit choice.
            return self._reply(officer, "officer.refer_needs_consent", code=held.code)
        now = self._clock()
        last = db.scalar(select(func.max(Referral.number)).where(Referral.case_id == held.case.id))
        number = (last or 0) + 1
        db.add(
            Referral(
                case_id=held.case.id,
                number=number,
                service=service,
                status="proposed",
                officer_id=officer.id,
                created_at=now,
                updated_at=now,
            )
        )
        result = self._reply(officer, "officer.referred", code=held.code, number=str(number))
        self._mark_acknowledged(db, officer, held, result, tell_reporter=False)
        if held.case.status not in REFERRAL_STATUSES:
            self._set_status(db, officer, held.case, REFERRED, detail=service)
            result.outbox.append(self._outbox(db, "notify_reporter_referred", held.case))
        else:
            self._audit(db, officer, held.case, "referral_added", service)
        return result

    def _record_outcome(
        self, db: Session, officer: Officer, held: _Held, command: OfficerCommand
    ) -> CommandResult:
        if len(command.numbers) < 2 or not 1 <= command.numbers[1] <= len(REFERRAL_OUTCOMES):
            return self._reply(officer, "officer.outcome_menu", code=held.code)
        number, choice = command.numbers
        outcome = REFERRAL_OUTCOMES[choice - 1]
        referral = db.scalars(
            select(Referral).where(Referral.case_id == held.case.id, Referral.number == number)
        ).first()
        if referral is None or outcome not in REFERRAL_MOVES.get(referral.status, frozenset()):
            return self._reply(
                officer, "officer.outcome_refused", code=held.code, number=str(number)
            )
        referral.status = outcome
        referral.updated_at = self._clock()
        result = self._reply(
            officer, "officer.outcome_recorded", code=held.code, number=str(number)
        )
        self._mark_acknowledged(db, officer, held, result)
        if outcome == "service_received" and held.case.status == REFERRED:
            self._set_status(db, officer, held.case, FOLLOW_UP, detail=outcome)
        else:
            self._audit(db, officer, held.case, "referral_updated", outcome)
        return result

    def _add_note(
        self, db: Session, officer: Officer, held: _Held, command: OfficerCommand
    ) -> CommandResult:
        # Sealed to the desk's key: officers write notes, only the desk can read them.
        sealed = self._report_sealer.seal_report(
            command.text.encode("utf-8"), context(CASE_NOTE, held.case.ref)
        )
        db.add(
            CaseNote(
                case_id=held.case.id,
                officer_id=officer.id,
                content_sealed=sealed,
                created_at=self._clock(),
            )
        )
        result = self._reply(officer, "officer.noted", code=held.code)
        self._mark_acknowledged(db, officer, held, result)
        self._audit(db, officer, held.case, "note_added")
        return result

    def _request_contact(
        self, db: Session, officer: Officer, held: _Held, _: OfficerCommand
    ) -> CommandResult:
        case = held.case
        if case.contact != "call" or case.contact_sealed is None:
            return self._reply(officer, "officer.no_call", code=held.code)
        db.add(ContactRequest(case_id=case.id, officer_id=officer.id, requested_at=self._clock()))
        # The web cannot open the number: the worker answers, and audits the disclosure.
        result = CommandResult(reply=None)
        self._mark_acknowledged(db, officer, held, result)
        self._audit(db, officer, case, "contact_requested")
        result.outbox.append(self._outbox(db, "disclose_contact", case))
        return result

    def _list_cases(self, db: Session, officer: Officer) -> CommandResult:
        cases = db.scalars(
            select(Case)
            .join(Assignment, Assignment.case_id == Case.id)
            .where(
                Assignment.officer_id == officer.id,
                Assignment.ended_at.is_(None),
                Case.status.in_(OPEN_STATUSES),
            )
            .order_by(Case.urgent.desc(), Case.created_at)
        ).all()
        # The conflict-of-interest rule holds here too: a case this officer may not hold (say,
        # after a change of role) is not listed, even while its reassignment is under way.
        cases = [case for case in cases if may_hold(case, officer)]
        if not cases:
            return self._reply(officer, "officer.no_cases")
        codes = [self._code_of(case) for case in cases]
        return self._reply(officer, "officer.cases", codes=_pack(codes))

    # -- shared steps --------------------------------------------------------------------------

    def _mark_acknowledged(
        self,
        db: Session,
        officer: Officer,
        held: _Held,
        result: CommandResult,
        *,
        tell_reporter: bool = True,
    ) -> None:
        """Any action on a case acknowledges it: the deadline stops and the reporter may hear."""
        if held.assignment.acknowledged_at is not None:
            return
        held.assignment.acknowledged_at = self._clock()
        if held.case.status in EARLY_STATUSES:
            self._set_status(db, officer, held.case, ACKNOWLEDGED)
            if tell_reporter:
                result.outbox.append(self._outbox(db, "notify_reporter_handled", held.case))
        else:
            self._audit(db, officer, held.case, "acknowledged")

    def _set_status(
        self, db: Session, officer: Officer, case: Case, status: str, *, detail: str = ""
    ) -> None:
        case.status = status
        case.updated_at = to_the_hour(self._clock())
        self._audit(db, officer, case, "status_" + status, detail)

    def _audit(
        self, db: Session, officer: Officer, case: Case, action: str, detail: str = ""
    ) -> None:
        record_event(
            db,
            at=self._clock(),
            actor=f"officer:{officer.id}",
            action=action,
            case_id=case.id,
            officer_id=officer.id,
            detail=detail,
        )

    def _outbox(self, db: Session, job: str, case: Case) -> OutboxJob:
        row = OutboxJob(job=job, case_id=case.id, created_at=self._clock())
        db.add(row)
        return row

    def _code_of(self, case: Case) -> str:
        # The copy of the code sealed for the worker (the session-key copy is the web's).
        return self._opener.open_for_worker(
            case.code_for_worker or b"", context(CASE_CODE_FOR_WORKER, case.ref)
        )

    def _reply(self, officer: Officer, key: str, **params: str) -> CommandResult:
        return CommandResult(reply=self._texts.render(officer.lang, key, **params))


def _pack(codes: list[str]) -> str:
    """Join codes within the budget, ending with '+N' for those that do not fit."""
    shown: list[str] = []
    for index, code in enumerate(codes):
        more = len(codes) - index
        candidate = " ".join([*shown, code])
        suffix = f" +{more - 1}" if more > 1 else ""
        if len(candidate) + len(suffix) > CODES_BUDGET:
            return " ".join(shown) + f" +{more}"
        shown.append(code)
    return " ".join(shown)
