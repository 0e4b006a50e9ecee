"""Cases nobody on duty holds: no current holder, or a holder off duty who never acknowledged.

The desk counts them on its badge; maintenance texts coordinators about each one, once.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_

from service.casework.vocab import OPEN_STATUSES
from service.storage.casework_models import Assignment, Officer
from service.storage.models import Case


def unheld_clause() -> ColumnElement[bool]:
    """True for an open case that nobody on duty has taken up."""
    held_by_someone_on_duty = exists().where(
        Assignment.case_id == Case.id,
        Assignment.ended_at.is_(None),
        Assignment.officer_id == Officer.id,
        Officer.active.is_(True),
        # An officer who acknowledged keeps the case off duty (docs/casework.md, Officers);
        # one who never did is not looking at it, and nobody else is either.
        or_(Officer.on_duty.is_(True), Assignment.acknowledged_at.is_not(None)),
    )
    return and_(Case.status.in_(OPEN_STATUSES), ~held_by_someone_on_duty)
