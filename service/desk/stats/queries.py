"""The SQL behind the statistics: counts and durations of the cases in one scope and period.

Only routing columns are read (province, type, perpetrator, flags, times): never sealed content.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, select
from sqlalchemy.orm import Session, aliased

from service.casework.vocab import CLOSED
from service.desk.stats.categories import NOT_A_CASE_REASONS
from service.storage.casework_models import Assignment, CaseClosure, OutboundSms, Referral
from service.storage.models import Case


@dataclass(frozen=True)
class Scope:
    """Which cases count: created within [start, end) and, unless national, in these provinces."""

    start: datetime
    end: datetime
    provinces: frozenset[str] | None


@dataclass(frozen=True)
class CaseGroup:
    """How many counted cases share a province, GBVIMS type and perpetrator, month by month."""

    province: str | None
    gbv_type: str | None
    perpetrator: str | None
    per_month: tuple[int, ...]


def counted_cases(scope: Scope) -> list[ColumnElement[bool]]:
    """Return the conditions a case meets to be counted in this scope."""
    # An alias, so a query that joins case_closures itself still gets its own subquery.
    closure = aliased(CaseClosure)
    latest_reason = (
        select(closure.reason)
        .where(closure.case_id == Case.id)
        .order_by(closure.closed_at.desc(), closure.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    conditions: list[ColumnElement[bool]] = [
        Case.created_at >= scope.start,
        Case.created_at < scope.end,
        # A case closed as a duplicate or a test was never a real case.
        not_(and_(Case.status == CLOSED, latest_reason.in_(sorted(NOT_A_CASE_REASONS)))),
    ]
    if scope.provinces is not None:
        conditions.append(Case.province.in_(sorted(scope.provinces)))
    return conditions


def case_groups(db: Session, scope: Scope, months: Sequence[datetime]) -> list[CaseGroup]:
    """Count cases per (province, type, perpetrator), one column per month in `months`."""
    per_month = [
        func.sum(case((and_(Case.created_at >= start, Case.created_at < end), 1), else_=0))
        for start, end in itertools.pairwise(months)
    ]
    query = (
        select(Case.province, Case.gbv_type, Case.perpetrator, *per_month)
        .where(*counted_cases(scope))
        .group_by(Case.province, Case.gbv_type, Case.perpetrator)
    )
    return [
        CaseGroup(row[0], row[1], row[2], tuple(int(n or 0) for n in row[3:]))
        for row in db.execute(query)
    ]


def hours_to_acknowledge(db: Session, scope: Scope) -> list[float]:
    """Return, per acknowledged counted case, the hours from intake to its first acknowledgement."""
    query = (
        select(Case.created_at, func.min(Assignment.acknowledged_at))
        .join(Assignment, Assignment.case_id == Case.id)
        .where(*counted_cases(scope), Assignment.acknowledged_at.is_not(None))
        .group_by(Case.id, Case.created_at)
    )
    return [
        _hours(created, acknowledged)
        for created, acknowledged in db.execute(query)
        if acknowledged is not None
    ]


def hours_to_close(db: Session, scope: Scope) -> list[float]:
    """Return, per closed counted case, the hours from intake to its first closure."""
    query = (
        select(Case.created_at, func.min(CaseClosure.closed_at))
        .join(CaseClosure, CaseClosure.case_id == Case.id)
        .where(*counted_cases(scope), Case.status == CLOSED)
        .group_by(Case.id, Case.created_at)
    )
    return [_hours(created, closed) for created, closed in db.execute(query)]


def pep_window_referrals(db: Session, scope: Scope) -> tuple[int, int]:
    """Return (sexual violence reported within 72 h, of which referred for health care)."""
    health_referral = exists().where(Referral.case_id == Case.id, Referral.service == "health")
    query = select(func.count(), func.sum(case((health_referral, 1), else_=0))).where(
        *counted_cases(scope), Case.kind == "report", Case.pep_window.is_(True)
    )
    base, referred = db.execute(query).one()
    return int(base or 0), int(referred or 0)


def referral_statuses(db: Session, scope: Scope) -> dict[str, int]:
    """Count the referrals of counted cases by their status."""
    query = (
        select(Referral.status, func.count())
        .join(Case, Case.id == Referral.case_id)
        .where(*counted_cases(scope))
        .group_by(Referral.status)
    )
    return {status: int(count) for status, count in db.execute(query)}


def undelivered_sms(db: Session, scope: Scope) -> int:
    """Count SMS written in the period that finally failed; provincial scopes count their cases'."""
    query = (
        select(func.count())
        .select_from(OutboundSms)
        .where(
            OutboundSms.status == "failed",
            OutboundSms.created_at >= scope.start,
            OutboundSms.created_at < scope.end,
        )
    )
    if scope.provinces is not None:
        query = query.join(Case, Case.id == OutboundSms.case_id).where(
            Case.province.in_(sorted(scope.provinces))
        )
    return int(db.scalar(query) or 0)


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600
