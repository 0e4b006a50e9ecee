"""Find a case by its code, inside the staff member's scope; the code is matched by digest."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import SecretHasher
from flows.case_code import CODE_LENGTH
from service.desk.queue import current_assignment_join, scoped
from service.desk.roles import Scope
from service.storage.casework_models import Assignment
from service.storage.models import Case


def normalise_code(typed: str) -> str | None:
    """Nine ASCII digits, spaces and dashes dropped; anything else is no code at all."""
    code = typed.replace(" ", "").replace("-", "")
    if len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        return None
    return code


def find_case(
    db: Session, hasher: SecretHasher, scope: Scope, typed: str, *, lock: bool = False
) -> Case | None:
    """The case with this code if this staff member may see it; None looks the same either way."""
    code = normalise_code(typed)
    if code is None or not scope.sees_cases:
        return None
    query = (
        select(Case)
        .outerjoin(Assignment, current_assignment_join())
        .where(Case.code_digest == hasher.code_digest(code))
    )
    query = scoped(query, scope)
    if lock:
        query = query.with_for_update(of=Case)
    return db.scalars(query).one_or_none()
