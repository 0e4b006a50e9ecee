"""The fixed categories statistics are counted in: codes only, the pages translate them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from service.casework.vocab import PROVINCES, REFERRAL_OUTCOMES

NOT_RECORDED = "not_recorded"
UNKNOWN_PROVINCE = "unknown"
MONTHS_SHOWN = 12
# Months are Mozambican calendar months: Central Africa Time, UTC+2 all year (no summer time).
LOCAL_OFFSET = timedelta(hours=2)

# GBVIMS core type (Case.gbv_type) -> subtype group code.
SUBTYPE_GROUP_OF: Mapping[str, str] = {
    "Rape": "rape",
    "Sexual Assault": "sexual_assault",
    "Physical Assault": "physical_assault",
    "Psychological/Emotional Abuse": "psychological_abuse",
    "Denial of Resources": "denial_of_resources",
    "Forced Marriage": "forced_marriage",
    "non-GBV": "rights_violation",
    "Unclassified": "unclassified",
}
SUBTYPE_GROUPS: tuple[str, ...] = (*dict.fromkeys(SUBTYPE_GROUP_OF.values()), NOT_RECORDED)

# Case.perpetrator -> perpetrator group code. "Police abuse" is a group, as docs/domain.md asks.
PERPETRATOR_GROUP_OF: Mapping[str, str] = {
    "client": "client",
    "partner": "partner",
    "police_on_duty": "police_security_forces",
    "police_off_duty": "police_security_forces",
    "security_forces": "police_security_forces",
    "private_security": "authority_or_service",
    "health_worker": "authority_or_service",
    "local_authority": "authority_or_service",
    "manager": "workplace_or_home",
    "landlord": "workplace_or_home",
    "family": "workplace_or_home",
    "other_sex_worker": "workplace_or_home",
    "community": "community_or_stranger",
    "stranger": "community_or_stranger",
    "other": "other",
}
PERPETRATOR_GROUPS: tuple[str, ...] = (
    *dict.fromkeys(PERPETRATOR_GROUP_OF.values()),
    NOT_RECORDED,
)
REFERRAL_STATUSES: tuple[str, ...] = ("proposed", *REFERRAL_OUTCOMES)
# Cases closed for these reasons were never real cases: they are left out of every figure.
NOT_A_CASE_REASONS = frozenset({"duplicate", "test_or_false"})


def subtype_group(gbv_type: str | None) -> str:
    """Return the subtype group code of a case's GBVIMS type."""
    return SUBTYPE_GROUP_OF.get(gbv_type or "", NOT_RECORDED)


def perpetrator_group(perpetrator: str | None) -> str:
    """Return the perpetrator group code of a case's perpetrator code."""
    return PERPETRATOR_GROUP_OF.get(perpetrator or "", NOT_RECORDED)


def scope_provinces(provinces: frozenset[str] | None) -> tuple[str, ...]:
    """Return the province rows of a scope, in the usual order; national adds `unknown`."""
    if provinces is None:
        return (*PROVINCES, UNKNOWN_PROVINCE)
    return tuple(code for code in PROVINCES if code in provinces)


def month_starts(now: datetime) -> tuple[datetime, ...]:
    """Return the UTC instants at which each shown month begins, plus the end of the last one.

    The months are the twelve Mozambican calendar months up to and including `now`'s month.
    """
    local = _naive_utc(now) + LOCAL_OFFSET
    index = local.year * 12 + local.month - 1
    starts = []
    for month in range(index - MONTHS_SHOWN + 1, index + 2):
        starts.append(datetime(month // 12, month % 12 + 1, 1) - LOCAL_OFFSET)
    return tuple(starts)


def month_code(start_utc: datetime) -> str:
    """Return the YYYY-MM code of the Mozambican month beginning at this UTC instant."""
    return (start_utc + LOCAL_OFFSET).strftime("%Y-%m")


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
