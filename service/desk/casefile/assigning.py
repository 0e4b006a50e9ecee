"""Assign or reassign a case from the desk, to an officer the routing rules let hold it.

The desk cannot open officers' numbers or the case code sealed for alerts (the worker's contact
key), so it writes the assignment and leaves an outbox row: the worker alerts the new holder,
tells the previous one, and starts the acknowledgement deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.casework.assignment import (
    EARLY_STATUSES,
    case_facts,
    end_assignment,
    may_hold,
    officer_facts,
    officer_row,
)
from service.casework.desk_handoff import DESK_HANDOFF_JOB, DESK_REASON
from service.casework.routing import OfficerFacts, tier
from service.casework.vocab import CLOSED
from service.desk.casefile.access import find_visible_case, require_coordinator
from service.desk.casefile.actor import Actor
from service.desk.casefile.editing import edit_case
from service.desk.casefile.errors import BadTransition, InvalidInput, NotAllowed
from service.desk.casefile.parts import CaseFileParts, audit, leave_for_worker
from service.storage.casework_models import Assignment, Officer
from service.storage.models import Case


def assign_case(
    parts: CaseFileParts, actor: Actor, code: str, *, version: int, officer_id: int
) -> int:
    """Give the case to `officer_id` (coordinators only); return the case's new version."""

    def change(db: Session, case: Case, holder: Assignment | None) -> None:
        if case.status == CLOSED:
            raise BadTransition("a closed case is not assigned; reopen it first")
        officer = db.get(Officer, officer_id)
        if officer is None or not officer.active:
            raise InvalidInput("no active officer with that id")
        check_may_hold(case, officer)
        if holder is not None and holder.officer_id == officer.id:
            raise InvalidInput("this officer already holds the case")
        now = parts.clock()
        if holder is not None:
            end_assignment(db, holder, DESK_REASON, now)
            audit(
                db, parts, actor, "unassigned", case_id=case.id, officer_id=holder.officer_id,
                detail=DESK_REASON,
            )  # fmt: skip
        db.add(
            Assignment(
                case_id=case.id,
                officer_id=officer.id,
                reason=DESK_REASON,
                assigned_at=now,
                ack_deadline=now + parts.deadlines.for_case(case),
            )
        )
        db.flush()
        if case.status in EARLY_STATUSES:
            case.status = "assigned"
        audit(db, parts, actor, "assigned", case_id=case.id, officer_id=officer.id,
              detail=DESK_REASON)  # fmt: skip
        leave_for_worker(db, parts, DESK_HANDOFF_JOB, case.id)

    return edit_case(parts, actor, code, version, change, coordinators_only=True)


def check_may_hold(case: Case, officer: Officer) -> None:
    """Refuse an officer the routing rules would never give this case."""
    if not may_hold(case, officer):
        # Police are the perpetrators and the reporter did not agree to involve them.
        raise NotAllowed("conflict of interest: a police officer may not hold this case")
    facts = OfficerFacts(
        officer.id, officer.role, officer.province, officer.on_duty, officer.active, 0
    )
    if tier(case_facts(case), facts) is None:
        raise NotAllowed(
            "this officer cannot hold this case: an on-duty officer of its province whose "
            "role fits the help asked for, or a coordinator"
        )


@dataclass(frozen=True)
class OfficerChoice:
    """An officer the assign form may offer: no number, only what choosing needs."""

    officer_id: int
    name: str
    role: str
    province: str
    on_duty: bool
    open_cases: int
    holds_it: bool


def eligible_officers(parts: CaseFileParts, actor: Actor, code: str) -> list[OfficerChoice]:
    """Everyone the routing rules let hold this case, best fit first (coordinators only)."""
    require_coordinator(actor)
    with parts.sessions() as db:
        case, holder, _ = find_visible_case(db, parts, actor, code)
        facts = case_facts(case)
        ranked = sorted(
            ((rank, o) for o in officer_facts(db) if (rank := tier(facts, o)) is not None),
            key=lambda item: (item[0], item[1].open_cases, item[1].id),
        )
        choices = []
        for _, o in ranked:
            officer = officer_row(db, o.id)
            choices.append(
                OfficerChoice(
                    officer_id=o.id,
                    name=officer.name,
                    role=o.role,
                    province=o.province,
                    on_duty=o.on_duty,
                    open_cases=o.open_cases,
                    holds_it=holder is not None and holder.officer_id == o.id,
                )
            )
        return choices
