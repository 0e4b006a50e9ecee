"""Who may see and change which case: the same rules as over SMS, conflict of interest first.

A case someone may not see is reported exactly like a case that does not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from flows.case_code import is_valid, normalise
from service.casework.assignment import current_assignment, may_hold
from service.desk.casefile.actor import Actor
from service.desk.casefile.errors import CaseNotFound, NotAllowed
from service.desk.casefile.parts import CaseFileParts
from service.storage.casework_models import Assignment, Officer
from service.storage.models import Case


def province_clause(actor: Actor) -> ColumnElement[bool]:
    """The cases a coordinator's provinces cover (all for a national one); nothing otherwise."""
    if not actor.is_coordinator:
        return false()
    if actor.is_national:
        return true()
    return Case.province.in_(sorted(actor.provinces))


def may_view(db: Session, actor: Actor, case: Case, holder: Assignment | None) -> bool:
    """Coordinators: their provinces. Officers: what they hold and may hold. Auditors: none."""
    if actor.is_coordinator:
        return actor.is_national or case.province in actor.provinces
    if actor.role != "officer" or actor.officer_id is None:
        return False
    if holder is None or holder.officer_id != actor.officer_id:
        return False
    officer = db.get(Officer, actor.officer_id)
    return officer is not None and may_hold(case, officer)


def find_visible_case(
    db: Session, parts: CaseFileParts, actor: Actor, code: str, *, lock: bool = False
) -> tuple[Case, Assignment | None, str]:
    """The case with this code, its current assignment and the normalised code.

    `lock` takes the case's row lock, which every change to a case's workflow takes first.
    """
    cleaned = normalise(code)
    if not is_valid(cleaned):
        raise CaseNotFound()
    query = select(Case).where(Case.code_digest == parts.hasher.code_digest(cleaned))
    if lock:
        query = query.with_for_update()
    case = db.scalars(query).one_or_none()
    if case is None:
        raise CaseNotFound()
    holder = current_assignment(db, case.id)
    if not may_view(db, actor, case, holder):
        raise CaseNotFound()
    return case, holder, cleaned


def is_holder(actor: Actor, holder: Assignment | None) -> bool:
    return (
        holder is not None
        and actor.officer_id is not None
        and (holder.officer_id == actor.officer_id)
    )


def require_editor(actor: Actor, holder: Assignment | None) -> None:
    """Changes come from a coordinator of the case's province or the officer holding it."""
    if not (actor.is_coordinator or is_holder(actor, holder)):
        raise NotAllowed("only a coordinator or the officer holding the case can change it")


def require_coordinator(actor: Actor) -> None:
    if not actor.is_coordinator:
        raise NotAllowed("only a coordinator can do this")
