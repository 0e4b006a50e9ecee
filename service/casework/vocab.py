"""Case-work vocabularies: roles, provinces, help → role, statuses, closure reasons, referrals."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

# The one case status table lives in the pure core (the intake reads it too); case rules and the
# desk take it from here.
from flows.case_status import ACKNOWLEDGED as ACKNOWLEDGED
from flows.case_status import ASSIGNED as ASSIGNED
from flows.case_status import CLOSED as CLOSED
from flows.case_status import EARLY_STATUSES as EARLY_STATUSES
from flows.case_status import FOLLOW_UP as FOLLOW_UP
from flows.case_status import IN_CONTACT as IN_CONTACT
from flows.case_status import OPEN_STATUSES as OPEN_STATUSES
from flows.case_status import RECEIVED as RECEIVED
from flows.case_status import REFERRAL_STATUSES as REFERRAL_STATUSES
from flows.case_status import REFERRED as REFERRED
from flows.case_status import REOPENED as REOPENED
from flows.case_status import REPORTER_WORDS as REPORTER_WORDS
from flows.case_status import STATUS_TABLE as STATUS_TABLE
from flows.case_status import STATUSES as STATUSES
from flows.case_status import CaseStatus as CaseStatus
from flows.case_status import reporter_word as reporter_word

POLICE_LIAISON = "police_liaison"
PSYCHOSOCIAL = "psychosocial"
PARALEGAL = "paralegal"
HEALTH_LIAISON = "health_liaison"
COORDINATOR = "coordinator"
ROLES = (POLICE_LIAISON, PSYCHOSOCIAL, PARALEGAL, HEALTH_LIAISON, COORDINATOR)

# Province code -> display name (docs/domain.md). Display names are accepted on the command
# line too.
PROVINCES: Mapping[str, str] = {
    "maputo_cidade": "Maputo Cidade",
    "maputo_provincia": "Maputo Província",
    "gaza": "Gaza",
    "inhambane": "Inhambane",
    "sofala": "Sofala",
    "manica": "Manica",
    "tete": "Tete",
    "zambezia": "Zambézia",
    "nampula": "Nampula",
    "cabo_delgado": "Cabo Delgado",
    "niassa": "Niassa",
}

# Case.help (report flow and help flow codes) -> the role that fits. Unknown help (an urgent case
# committed before the question was reached) goes to psychosocial support, the broadest role.
ROLE_FOR_HELP: Mapping[str, str] = {
    "health": HEALTH_LIAISON,
    "pep": HEALTH_LIAISON,
    "legal": PARALEGAL,
    "police": POLICE_LIAISON,
    "psychosocial": PSYCHOSOCIAL,
    "callback": PSYCHOSOCIAL,
    "safety": PSYCHOSOCIAL,
    "none": PSYCHOSOCIAL,
}

# Closure reasons (docs/domain.md), numbered as officers type them (FIM <code> <n>): needs met;
# reporter withdrew; lost contact after several attempts; transferred; duplicate; test/false;
# reporter declined services; closed for the reporter's safety.
CLOSURE_REASONS = (
    "needs_met",
    "reporter_withdrew",
    "lost_contact",
    "transferred",
    "duplicate",
    "test_or_false",
    "reporter_declined",
    "reporter_safety",
)

# Referral services, numbered as officers type them (ENC <code> <n>).
POLICE_COMPLAINT = "police_complaint"
REFERRAL_SERVICES = (
    "health",
    "psychosocial",
    "legal",
    POLICE_COMPLAINT,
    "safety_shelter",
    "peer_support",
    "other",
)

# Referral outcomes, numbered as officers type them (RES <code> <referral> <n>).
REFERRAL_OUTCOMES = ("accepted", "service_received", "declined", "service_unavailable")
REFERRAL_MOVES: Mapping[str, frozenset[str]] = {
    "proposed": frozenset(REFERRAL_OUTCOMES),
    "accepted": frozenset({"service_received", "declined", "service_unavailable"}),
}

# Referral statuses that still wait for an outcome.
OPEN_REFERRAL_STATUSES = frozenset({"proposed", "accepted"})

# The moves a person makes by hand on the desk. "assigned" is set only by an assignment,
# closing needs one of CLOSURE_REASONS, and only a closed case is reopened.
STATUS_MOVES: Mapping[str, frozenset[str]] = {
    "received": frozenset({CLOSED}),
    "assigned": frozenset({"acknowledged", "in_contact", CLOSED}),
    "acknowledged": frozenset({"in_contact", "referred", "follow_up", CLOSED}),
    "in_contact": frozenset({"referred", "follow_up", CLOSED}),
    "referred": frozenset({"follow_up", CLOSED}),
    "follow_up": frozenset({CLOSED}),
    CLOSED: frozenset({REOPENED}),
    REOPENED: frozenset({"acknowledged", "in_contact", "referred", "follow_up", CLOSED}),
}

# Why a staff member opens sealed content or a free-text SMS (a code, never free text: the
# audit log holds no words anyone typed).
DISCLOSURE_REASONS = (
    "contact_reporter",
    "plan_referral",
    "assess_safety",
    "structure_report",
    "supervision",
    "correct_record",
)
# Why a free-text SMS is set aside without becoming a case.
DISCARD_REASONS = ("not_a_report", "duplicate", "test_or_false", "officer_message", "unreadable")


def role_for_help(help_code: str | None) -> str:
    """Return the officer role that fits a case's help code."""
    return ROLE_FOR_HELP.get(help_code or "none", PSYCHOSOCIAL)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "_".join(folded.replace("-", " ").split())


def province_code(text: str) -> str | None:
    """Return the province code for a code or display name ('Zambézia', 'cabo delgado')."""
    wanted = _plain(text)
    for code, name in PROVINCES.items():
        if wanted in (code, _plain(name)):
            return code
    return None


def role_code(text: str) -> str | None:
    """Return the role code for a code typed in any case ('Police_Liaison', 'police-liaison')."""
    wanted = _plain(text)
    return wanted if wanted in ROLES else None
