"""Every word the desk's templates ask for exists in both languages, vocabularies included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.envelope import CONTACTS, GBV_TYPES, HELP_TYPES, PERPETRATORS, REPORT_HELP, WHEN_DAYS
from service.casework.vocab import (
    CLOSURE_REASONS,
    DISCARD_REASONS,
    DISCLOSURE_REASONS,
    REFERRAL_SERVICES,
    ROLES,
    STATUSES,
)
from service.desk.i18n import texts
from service.desk.queue import PERPETRATOR_GROUPS, SORTS
from service.desk.stats import PERPETRATOR_GROUPS as STATS_PERPETRATOR_GROUPS
from service.desk.stats import REFERRAL_STATUSES, SUBTYPE_GROUPS

TEMPLATES = Path(__file__).resolve().parents[3] / "service" / "desk" / "templates"
LITERAL = re.compile(r"""\bt\('([a-z_.]+)'\s*[,)]""")


def _wanted() -> set[str]:
    keys = {key for page in TEMPLATES.glob("*.html") for key in LITERAL.findall(page.read_text())}
    families = {
        "status.": STATUSES,
        "subtype.": GBV_TYPES,
        "who.": PERPETRATORS,
        "perpetrator.": (*PERPETRATOR_GROUPS, *STATS_PERPETRATOR_GROUPS),
        "service.": REFERRAL_SERVICES,
        "referral.": REFERRAL_STATUSES,
        "reason.": CLOSURE_REASONS,
        "why.": DISCLOSURE_REASONS,
        "discard.": DISCARD_REASONS,
        "officer_role.": ROLES,
        "sort.": SORTS,
        "stats.group.": SUBTYPE_GROUPS,
        "deadline.": ("on_time", "due_soon", "overdue", "none"),
        "role.": ("coordinator", "officer", "auditor"),
        "help.": (*REPORT_HELP, *HELP_TYPES),
        "contact.": CONTACTS,
        "when.": (*WHEN_DAYS, "earlier"),
    }
    for prefix, codes in families.items():
        keys.update(prefix + code for code in codes)
    return keys


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_every_key_the_pages_use_has_words(lang: str) -> None:
    assert sorted(_wanted() - set(texts(lang))) == []


def test_the_templates_ask_for_words_at_all() -> None:
    assert {"login.title", "queue.title", "case.close"} <= _wanted()
