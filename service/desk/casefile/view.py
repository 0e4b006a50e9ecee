"""What the case page shows: routing fields, holder, deadline, referrals, a timeline. No content.

Nothing here holds a phone number or anything a person typed: codes, flags, ids and times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from service.casework.vocab import CLOSED

DeadlineState = Literal["on_time", "due_soon", "overdue"]
Newness = Literal["new", "changed"]
# Due soon: less than this share of the time given to acknowledge is left.
DUE_SOON_SHARE = 0.25


@dataclass(frozen=True)
class HolderView:
    """The officer holding the case now, and their acknowledgement deadline."""

    officer_id: int
    name: str
    role: str
    province: str
    on_duty: bool
    assigned_at: datetime
    ack_deadline: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class ReferralView:
    """One referral: service, its own status, when to follow it up."""

    number: int
    service: str
    status: str
    follow_up_on: date | None
    follow_up_due: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened to the case.

    kind: `intake` (action: the kind of case), `audit` (action: what the audit log recorded,
    e.g. assigned, status_closed, note_added, contact_requested, content_opened; detail: a code
    such as a closure reason or referral service) or `sms` (action: the message's purpose, e.g.
    officer_alert; detail: its delivery status, and the failure code when it failed).
    """

    at: datetime
    kind: Literal["intake", "audit", "sms"]
    action: str
    actor: str
    officer_id: int | None
    detail: str
    is_new: bool


@dataclass(frozen=True)
class CaseFileView:
    """Everything the case page shows, for one display."""

    case_id: int
    code: str
    version: int
    kind: str
    stage: str
    status: str
    lang: str
    province: str | None
    subtype: str | None
    gbv_type: str | None
    perpetrator: str | None
    police_perpetrator: bool
    urgent: bool
    pep_window: bool
    child_protection: bool
    help: str | None
    contact: str | None
    police_ok: bool
    sms_opt_out: bool
    incident_week: date | None
    created_at: datetime
    updated_at: datetime
    holder: HolderView | None
    deadline: DeadlineState | None
    referrals: tuple[ReferralView, ...]
    open_referrals: int
    closure_reasons: tuple[str, ...]
    notes: int
    # Whether this viewer may ask for the reporter's number (they hold it, a call was asked).
    can_call_back: bool
    # When this viewer last looked before now (None: first look), and the events since.
    last_seen_at: datetime | None
    timeline: tuple[TimelineEvent, ...]


def deadline_state(
    status: str,
    assigned_at: datetime | None,
    ack_deadline: datetime | None,
    acknowledged_at: datetime | None,
    now: datetime,
) -> DeadlineState | None:
    """On time, due soon or overdue while an acknowledgement is awaited; None otherwise."""
    if status == CLOSED or ack_deadline is None or acknowledged_at is not None:
        return None
    if now >= ack_deadline:
        return "overdue"
    given = (ack_deadline - assigned_at).total_seconds() if assigned_at else 0.0
    if (ack_deadline - now).total_seconds() <= given * DUE_SOON_SHARE:
        return "due_soon"
    return "on_time"
