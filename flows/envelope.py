"""The routing envelope: codes and flags for routing, the queue and statistics; nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Literal

# Incident subtype -> GBVIMS core type (docs/domain.md, Vocabularies).
GBV_TYPES: Mapping[str, str] = {
    "rape": "Rape",
    # Consent was given only with a condom, so sex without it is non-consensual penetration.
    "condom_refused": "Rape",
    "attempted_rape": "Sexual Assault",
    "touching": "Sexual Assault",
    "beating": "Physical Assault",
    "weapon": "Physical Assault",
    "burning": "Physical Assault",
    "choking": "Physical Assault",
    "threats": "Psychological/Emotional Abuse",
    "humiliation": "Psychological/Emotional Abuse",
    "outing": "Psychological/Emotional Abuse",
    "blackmail": "Psychological/Emotional Abuse",
    # "Roubo" in Mozambican Portuguese implies force; theft without force would be "furto".
    "robbery": "Physical Assault",
    "refused_pay": "non-GBV",
    "arrest": "non-GBV",
    "condoms_taken": "Denial of Resources",
    "phone_money_id_taken": "Denial of Resources",
    "health_denied": "Denial of Resources",
    "hiv_disclosed": "Denial of Resources",
    "pep_refused": "Denial of Resources",
    "complaint_refused": "Denial of Resources",
    "eviction": "Denial of Resources",
    "forced_marriage": "Forced Marriage",
    # Classified "by act": the screens do not ask which act, so an officer decides later.
    "extortion": "Unclassified",
    "trafficking": "Unclassified",
    "under18": "Unclassified",
    "other": "Unclassified",
}
SEXUAL = frozenset({"rape", "condom_refused", "attempted_rape", "touching"})
PEP_RELEVANT = frozenset({"rape", "condom_refused", "attempted_rape"})
# Penetration that may have happened without a condom: what the answers can say about a risk of
# pregnancy without asking anything more.
PREGNANCY_RISK = frozenset({"rape", "condom_refused"})
CHILD_PROTECTION = frozenset({"trafficking", "under18"})
PERPETRATORS = frozenset(
    {
        "client", "partner", "police_on_duty", "police_off_duty", "security_forces",
        "private_security", "health_worker", "local_authority", "manager", "landlord", "family",
        "other_sex_worker", "community", "stranger", "other",
    }
)  # fmt: skip
POLICE = frozenset({"police_on_duty", "police_off_duty", "security_forces"})
# "unknown" (the reporter does not know) is a valid answer that routes like no province.
PROVINCES = frozenset(
    {
        "maputo_cidade", "maputo_provincia", "gaza", "inhambane", "sofala", "manica", "tete",
        "zambezia", "nampula", "cabo_delgado", "niassa",
    }
)  # fmt: skip
REPORT_HELP = frozenset({"health", "psychosocial", "legal", "police", "safety", "none"})
HELP_TYPES = frozenset({"callback", "pep", "psychosocial", "legal", "police"})
CONTACTS = frozenset({"sms", "call", "none"})
# Days before `now` of the earliest day each answer can mean ("this_week", 4 to 7 days, was
# asked before the 4-5 days answer existed; saved sessions may still hold it).
WHEN_DAYS: Mapping[str, int] = {
    "today": 0, "yesterday": 1, "days_2_3": 3, "days_4_5": 5, "this_week": 7,
}  # fmt: skip
# Exposure up to 72 hours ago: PEP can still start (docs/domain.md, Health).
PEP_WHEN = frozenset({"today", "yesterday", "days_2_3"})
# Up to 120 hours ago: emergency contraception can still work.
EC_WHEN = PEP_WHEN | {"days_4_5"}


@dataclass(frozen=True)
class Envelope:
    """Codes and flags in clear; never free text, never the PIN."""

    kind: str
    province: str | None
    subtype: str | None
    gbv_type: str | None
    perpetrator: str | None
    police_perpetrator: bool
    urgent: bool
    pep_window: bool
    ec_window: bool
    sexual: bool
    child_protection: bool
    help: str | None
    contact: str | None
    police_ok: bool
    incident_date_coarse: date | None

    def to_dict(self) -> dict[str, object]:
        """Return JSON-safe values; the date as ISO text."""
        data = asdict(self)
        coarse = self.incident_date_coarse
        data["incident_date_coarse"] = coarse.isoformat() if coarse else None
        return data


def _known(answers: Mapping[str, str], key: str, allowed: frozenset[str]) -> str | None:
    # Only codes from the vocabularies reach plain columns, whatever the answers hold.
    value = answers.get(key)
    return value if value in allowed else None


def coarse_incident_date(when: str | None, now: datetime) -> date | None:
    """Return the Monday of the week the incident began at the earliest, or None if unknown."""
    days = WHEN_DAYS.get(when or "")
    if days is None:
        return None
    day = now.date() - timedelta(days=days)
    return day - timedelta(days=day.weekday())


def derive_envelope(
    kind: Literal["report", "help"] | str, answers: Mapping[str, str], now: datetime
) -> Envelope:
    """Derive routing codes and flags from a report's or help request's answers."""
    if kind == "help":
        return _help_envelope(answers)
    subtype = _known(answers, "what", frozenset(GBV_TYPES))
    perpetrator = _known(answers, "who", PERPETRATORS)
    when = answers.get("when")
    pep_window = subtype in PEP_RELEVANT and when in PEP_WHEN
    ec_window = subtype in PREGNANCY_RISK and when in EC_WHEN
    return Envelope(
        kind="report",
        province=_known(answers, "province", PROVINCES),
        subtype=subtype,
        gbv_type=GBV_TYPES.get(subtype) if subtype else None,
        perpetrator=perpetrator,
        police_perpetrator=perpetrator in POLICE,
        urgent=answers.get("danger") == "yes" or pep_window or ec_window,
        pep_window=pep_window,
        ec_window=ec_window,
        sexual=subtype in SEXUAL,
        child_protection=subtype in CHILD_PROTECTION,
        help=_known(answers, "help", REPORT_HELP),
        contact=_known(answers, "contact", CONTACTS),
        police_ok=answers.get("police_ok") == "yes",
        incident_date_coarse=coarse_incident_date(when, now),
    )


def _help_envelope(answers: Mapping[str, str]) -> Envelope:
    help_type = _known(answers, "help", HELP_TYPES)
    return Envelope(
        kind="help",
        province=_known(answers, "province", PROVINCES),
        subtype=None,
        gbv_type=None,
        perpetrator=None,
        police_perpetrator=False,
        urgent=help_type == "pep",
        # A PEP request is itself the sign that the 72-hour window is open.
        pep_window=help_type == "pep",
        ec_window=False,
        sexual=False,
        child_protection=False,
        help=help_type,
        contact=_known(answers, "contact", CONTACTS),
        # Asking for help with a police complaint is the explicit consent to involve them.
        police_ok=help_type == "police",
        incident_date_coarse=None,
    )
