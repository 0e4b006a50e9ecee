"""The case queue: one row per case in the staff member's scope, filtered, sorted, paged.

Everything here reads the routing envelope only (codes and flags): no phone number, no free
text. Every count, filter and page goes through `scoped`, so a case hidden from an officer by
the conflict-of-interest rule leaves no trace in what they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from crypto import CryptoError, StateCipher
from crypto.contexts import CASE_CODE_FOR_WEB, context_bytes
from flows.envelope import GBV_TYPES, PERPETRATORS
from service.casework.unheld import unheld_clause
from service.casework.vocab import OPEN_STATUSES, POLICE_LIAISON, PROVINCES
from service.casework.vocab import STATUSES as CASE_STATUSES
from service.desk.casefile import deadline_state as casefile_deadline
from service.desk.roles import COORDINATOR, OFFICER, Scope
from service.storage.casework_models import Assignment, Officer, Referral
from service.storage.models import Case

PAGE_SIZE = 25
MAX_PAGE = 10_000
STATUSES = CASE_STATUSES
OPEN_REFERRAL = ("proposed", "accepted")
SORTS = ("urgency", "oldest", "newest", "province", "status", "deadline")


class FilterError(ValueError):
    """A filter value the desk does not know (the message key says which)."""


@dataclass(frozen=True)
class Filters:
    """What the queue is narrowed to; every value checked against a fixed vocabulary."""

    province: str | None = None
    status: str = "open"
    subtype: str | None = None
    perpetrator: str | None = None
    urgent: bool = False
    overdue: bool = False
    unassigned: bool = False
    sort: str = "urgency"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], scope: Scope) -> Filters:
        """Read the query string; an unknown value raises FilterError, never a 500."""
        province = args.get("province") or None
        if province is not None:
            if province not in PROVINCES:
                raise FilterError("err.filter")
            if scope.role == COORDINATOR and not scope.covers_province(province):
                raise FilterError("err.province_scope")
        status = args.get("status") or "open"
        if status not in ("open", "all", *STATUSES):
            raise FilterError("err.filter")
        subtype = args.get("subtype") or None
        if subtype is not None and subtype not in GBV_TYPES:
            raise FilterError("err.filter")
        perpetrator = args.get("perpetrator") or None
        if perpetrator is not None and perpetrator not in PERPETRATOR_GROUPS:
            raise FilterError("err.filter")
        sort = args.get("sort") or "urgency"
        if sort not in SORTS:
            raise FilterError("err.filter")
        raw_page = args.get("page") or "1"
        if not raw_page.isascii() or not raw_page.isdigit() or len(raw_page) > 5:
            raise FilterError("err.page")
        page = int(raw_page)
        if not 1 <= page <= MAX_PAGE:
            raise FilterError("err.page")
        return cls(
            province=province,
            status=status,
            subtype=subtype,
            perpetrator=perpetrator,
            urgent=_flag(args, "urgent"),
            overdue=_flag(args, "overdue"),
            unassigned=_flag(args, "unassigned"),
            sort=sort,
            page=page,
        )


def _flag(args: Mapping[str, str], name: str) -> bool:
    value = args.get(name, "")
    if value not in ("", "1"):
        raise FilterError("err.filter")
    return value == "1"


# Perpetrator groups for the filter, as the statistics count them ("police abuse" is a group).
PERPETRATOR_GROUPS: Mapping[str, frozenset[str]] = {
    "client": frozenset({"client"}),
    "partner": frozenset({"partner"}),
    "police_security_forces": frozenset({"police_on_duty", "police_off_duty", "security_forces"}),
    "authority_or_service": frozenset({"private_security", "health_worker", "local_authority"}),
    "workplace_or_home": frozenset({"manager", "landlord", "family", "other_sex_worker"}),
    "community_or_stranger": frozenset({"community", "stranger"}),
    "other": frozenset({"other"}),
}
if frozenset().union(*PERPETRATOR_GROUPS.values()) != PERPETRATORS:  # checked at import, always
    raise RuntimeError("PERPETRATOR_GROUPS must cover every perpetrator code exactly")


@dataclass(frozen=True)
class Badge:
    """The counts shown on every page: what needs someone now."""

    overdue: int
    urgent: int
    unassigned: int


@dataclass(frozen=True)
class QueueRow:
    """One case as the queue shows it: codes, flags and times only."""

    case_id: int
    code: str | None
    province: str | None
    subtype: str | None
    urgent: bool
    pep_window: bool
    status: str
    age: timedelta
    holder: str | None
    deadline: str
    open_referrals: int
    changed: str


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    total: int
    page: int
    pages: int


def current_assignment_join() -> ColumnElement[bool]:
    return and_(Assignment.case_id == Case.id, Assignment.ended_at.is_(None))


def scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    """Narrow any query that joins the current assignment (outer) to the staff member's cases."""
    if scope.role == COORDINATOR:
        if scope.provinces is not None:
            query = query.where(Case.province.in_(sorted(scope.provinces)))
        return query
    if scope.role == OFFICER and scope.officer_id is not None:
        held = query.where(Assignment.officer_id == scope.officer_id)
        # The conflict-of-interest rule, as over SMS: a police liaison never sees a case whose
        # perpetrators were police when the reporter did not agree to police involvement.
        police_holder = select(Officer.id).where(
            Officer.id == scope.officer_id, Officer.role == POLICE_LIAISON
        )
        excluded = and_(Case.police_perpetrator.is_(True), Case.police_ok.is_(False))
        return held.where(or_(not_(police_holder.exists()), not_(excluded)))
    return query.where(Case.id.is_(None))


def _base(scope: Scope) -> Select[Any]:
    query = select(Case.id).outerjoin(Assignment, current_assignment_join())
    return scoped(query, scope)


def badge(db: Session, scope: Scope, now: datetime) -> Badge:
    """Overdue, urgent and unassigned open cases in scope."""
    open_cases = _base(scope).where(Case.status.in_(sorted(OPEN_STATUSES)))

    def count(query: Select[Any]) -> int:
        return int(db.scalar(select(func.count()).select_from(query.subquery())) or 0)

    return Badge(
        overdue=count(open_cases.where(_overdue(now))),
        urgent=count(open_cases.where(or_(Case.urgent.is_(True), Case.pep_window.is_(True)))),
        unassigned=count(open_cases.where(unheld_clause())),
    )


def _overdue(now: datetime) -> ColumnElement[bool]:
    return and_(
        Assignment.id.is_not(None),
        Assignment.acknowledged_at.is_(None),
        Assignment.ack_deadline <= now,
    )


def _filtered(scope: Scope, filters: Filters, now: datetime) -> Select[Any]:
    query = _base(scope)
    if filters.province:
        query = query.where(Case.province == filters.province)
    if filters.status == "open":
        query = query.where(Case.status.in_(sorted(OPEN_STATUSES)))
    elif filters.status != "all":
        query = query.where(Case.status == filters.status)
    if filters.subtype:
        query = query.where(Case.subtype == filters.subtype)
    if filters.perpetrator:
        query = query.where(Case.perpetrator.in_(sorted(PERPETRATOR_GROUPS[filters.perpetrator])))
    if filters.urgent:
        query = query.where(or_(Case.urgent.is_(True), Case.pep_window.is_(True)))
    if filters.overdue:
        query = query.where(_overdue(now))
    if filters.unassigned:
        # Unassigned as the badge counts it: nobody on duty holds the case.
        query = query.where(unheld_clause())
    return query


def _ordering(sort: str) -> tuple[object, ...]:
    return {
        "urgency": (Case.urgent.desc(), Case.pep_window.desc(), Case.created_at, Case.id),
        "oldest": (Case.created_at, Case.id),
        "newest": (Case.created_at.desc(), Case.id.desc()),
        "province": (Case.province, Case.created_at, Case.id),
        "status": (Case.status, Case.created_at, Case.id),
        "deadline": (Assignment.ack_deadline, Case.created_at, Case.id),
    }[sort]


def queue_page(
    db: Session,
    scope: Scope,
    filters: Filters,
    *,
    now: datetime,
    cipher: StateCipher,
    whats_new: Callable[[list[int]], Mapping[int, str]],
) -> QueuePage:
    """One page of the queue, newest facts only from the envelope and the case-work tables."""
    ids = _filtered(scope, filters, now)
    total = int(db.scalar(select(func.count()).select_from(ids.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    open_referrals = (
        select(func.count())
        .where(Referral.case_id == Case.id, Referral.status.in_(OPEN_REFERRAL))
        .correlate(Case)
        .scalar_subquery()
    )
    # An alias: the unheld clause's own subquery names Officer and must not correlate to this.
    holding = aliased(Officer)
    rows = db.execute(
        ids.with_only_columns(Case, Assignment, holding.name, open_referrals)
        .outerjoin(holding, holding.id == Assignment.officer_id)
        .order_by(*_ordering(filters.sort))  # type: ignore[arg-type]  # mixed column and expression orderings
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    # "new" (never opened by this viewer) or "changed" since their last look; else "seen".
    newness = whats_new([case.id for case, *_ in rows])
    return QueuePage(
        rows=tuple(
            QueueRow(
                case_id=case.id,
                code=case_code(cipher, case),
                province=case.province,
                subtype=case.subtype,
                urgent=case.urgent,
                pep_window=case.pep_window,
                status=case.status,
                age=now - case.created_at,
                holder=holder,
                deadline=deadline_state(case, assignment, now),
                open_referrals=int(referrals or 0),
                changed=newness.get(case.id, "seen"),
            )
            for case, assignment, holder, referrals in rows
        ),
        total=total,
        page=page,
        pages=pages,
    )


def deadline_state(case: Case, assignment: Assignment | None, now: datetime) -> str:
    """on_time, due_soon or overdue while an acknowledgement deadline runs; none otherwise."""
    if assignment is None:
        return "none"
    state = casefile_deadline(
        case.status,
        assignment.assigned_at,
        assignment.ack_deadline,
        assignment.acknowledged_at,
        now,
    )
    return state or "none"


def case_code(cipher: StateCipher, case: Case) -> str | None:
    """The case code, opened from the copy sealed under the session key (not the content).

    The context must match service/intake/reports.py, which sealed it.
    """
    if case.code_sealed is None:
        return None
    try:
        return cipher.open(case.code_sealed, context_bytes(CASE_CODE_FOR_WEB, case.ref)).decode()
    except CryptoError:
        return None
