"""The routing envelope: codes and flags only, PEP urgency, police flags, coarse dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows import Bundle
from flows.envelope import (
    CONTACTS,
    GBV_TYPES,
    HELP_TYPES,
    PERPETRATORS,
    PROVINCES,
    REPORT_HELP,
    derive_envelope,
)

# A Wednesday, so week starts are easy to check by eye.
NOW = datetime(2025, 3, 12, 21, 30, tzinfo=UTC)


def _report(**answers: str) -> dict[str, str]:
    base = {"what": "beating", "danger": "no", "when": "earlier", "who": "client",
            "province": "sofala", "help": "none", "contact": "none", "police_ok": "no"}  # fmt: skip
    return {**base, **answers}


@pytest.mark.parametrize("what", ["rape", "condom_refused", "attempted_rape"])
@pytest.mark.parametrize("when", ["today", "yesterday", "days_2_3"])
def test_sexual_violence_within_three_days_opens_the_pep_window_and_is_urgent(
    what: str, when: str
) -> None:
    envelope = derive_envelope("report", _report(what=what, when=when), NOW)
    assert envelope.pep_window
    assert envelope.urgent
    assert envelope.sexual


@pytest.mark.parametrize("when", ["days_4_5", "this_week", "earlier"])
def test_sexual_violence_older_than_three_days_is_not_in_the_pep_window(when: str) -> None:
    envelope = derive_envelope("report", _report(what="attempted_rape", when=when), NOW)
    assert not envelope.pep_window
    assert not envelope.urgent


@pytest.mark.parametrize("what", ["rape", "condom_refused"])
@pytest.mark.parametrize("when", ["today", "days_2_3", "days_4_5"])
def test_a_possible_pregnancy_within_120_hours_is_urgent_like_pep(what: str, when: str) -> None:
    envelope = derive_envelope("report", _report(what=what, when=when), NOW)
    assert envelope.ec_window
    assert envelope.urgent


def test_four_or_five_days_after_forced_sex_only_the_contraception_window_is_open() -> None:
    envelope = derive_envelope("report", _report(what="rape", when="days_4_5"), NOW)
    assert envelope.ec_window
    assert not envelope.pep_window


@pytest.mark.parametrize(
    ("what", "when"),
    [("rape", "this_week"), ("rape", "earlier"), ("attempted_rape", "today"),
     ("touching", "today"), ("beating", "today")],
)  # fmt: skip
def test_no_penetration_or_too_late_closes_the_contraception_window(what: str, when: str) -> None:
    assert not derive_envelope("report", _report(what=what, when=when), NOW).ec_window


def test_unwanted_touching_is_sexual_but_not_pep_relevant() -> None:
    envelope = derive_envelope("report", _report(what="touching", when="today"), NOW)
    assert envelope.sexual
    assert not envelope.pep_window
    assert envelope.gbv_type == "Sexual Assault"


def test_danger_now_makes_any_report_urgent() -> None:
    assert derive_envelope("report", _report(danger="yes"), NOW).urgent
    assert not derive_envelope("report", _report(), NOW).urgent


@pytest.mark.parametrize("who", ["police_on_duty", "police_off_duty", "security_forces"])
def test_police_and_security_forces_are_flagged_as_police_perpetrators(who: str) -> None:
    assert derive_envelope("report", _report(who=who), NOW).police_perpetrator


@pytest.mark.parametrize("who", sorted(PERPETRATORS - {"police_on_duty", "police_off_duty",
                                                       "security_forces"}))  # fmt: skip
def test_other_perpetrators_are_not_flagged_as_police(who: str) -> None:
    assert not derive_envelope("report", _report(who=who), NOW).police_perpetrator


def test_police_consent_is_only_an_explicit_yes() -> None:
    assert derive_envelope("report", _report(police_ok="yes"), NOW).police_ok
    assert not derive_envelope("report", _report(police_ok="no"), NOW).police_ok
    assert not derive_envelope("report", _report(help="police"), NOW).police_ok


def test_the_envelope_holds_no_free_text_and_no_pin() -> None:
    answers = _report(description="nome e morada", pin="1234")
    flat = str(derive_envelope("report", answers, NOW).to_dict())
    assert "nome" not in flat
    assert "1234" not in flat


def test_unknown_codes_never_reach_the_envelope() -> None:
    envelope = derive_envelope(
        "report", _report(what="x", who="y", province="z", help="w", contact="v"), NOW
    )
    assert envelope.subtype is None
    assert envelope.gbv_type is None
    assert envelope.perpetrator is None
    assert envelope.province is None
    assert envelope.help is None
    assert envelope.contact is None


@pytest.mark.parametrize(
    ("when", "week_start"),
    [
        ("today", date(2025, 3, 10)),
        ("yesterday", date(2025, 3, 10)),
        ("days_2_3", date(2025, 3, 3)),
        ("days_4_5", date(2025, 3, 3)),
        ("this_week", date(2025, 3, 3)),
        ("earlier", None),
    ],
)
def test_the_incident_date_is_only_the_week_it_began_in(when: str, week_start: date) -> None:
    assert derive_envelope("report", _report(when=when), NOW).incident_date_coarse == week_start


def test_a_province_the_reporter_does_not_know_routes_like_no_province() -> None:
    assert derive_envelope("report", _report(province="unknown"), NOW).province is None


def test_trafficking_and_children_trigger_the_child_protection_protocol() -> None:
    assert derive_envelope("report", _report(what="trafficking"), NOW).child_protection
    assert derive_envelope("report", _report(what="under18"), NOW).child_protection
    assert not derive_envelope("report", _report(what="robbery"), NOW).child_protection


def test_subtypes_map_to_gbvims_core_types() -> None:
    assert GBV_TYPES["rape"] == "Rape"
    assert GBV_TYPES["beating"] == "Physical Assault"
    assert GBV_TYPES["blackmail"] == "Psychological/Emotional Abuse"
    assert GBV_TYPES["condoms_taken"] == "Denial of Resources"
    assert GBV_TYPES["forced_marriage"] == "Forced Marriage"
    assert GBV_TYPES["arrest"] == "non-GBV"


def test_a_pep_help_request_is_urgent_and_other_help_is_not() -> None:
    pep = derive_envelope("help", {"help": "pep", "province": "tete", "contact": "sms"}, NOW)
    assert pep.urgent
    assert pep.pep_window
    assert pep.province == "tete"
    legal = derive_envelope("help", {"help": "legal", "province": "tete", "contact": "sms"}, NOW)
    assert not legal.urgent
    assert legal.subtype is None


def test_asking_for_help_with_a_police_complaint_counts_as_police_consent() -> None:
    assert derive_envelope("help", {"help": "police"}, NOW).police_ok
    assert not derive_envelope("help", {"help": "callback"}, NOW).police_ok


def test_to_dict_is_json_safe_with_an_iso_date() -> None:
    data = derive_envelope("report", _report(when="today"), NOW).to_dict()
    assert data["incident_date_coarse"] == "2025-03-10"
    assert data["kind"] == "report"


def test_the_flow_codes_and_the_envelope_vocabularies_agree(bundle: Bundle) -> None:
    def codes(screen: str) -> set[str]:
        return {option.code for option in bundle.screens[screen].options}

    def answers(prefix: str) -> set[str]:
        # Options that lead on to a narrower list are groups, not answers.
        return {
            option.code
            for sid, screen in bundle.screens.items()
            if sid.startswith(prefix)
            for option in screen.options
            if option.next is None
        }

    assert answers("report.what") == set(GBV_TYPES)
    assert answers("report.who") == PERPETRATORS
    assert codes("report.province") == PROVINCES | {"unknown"} == codes("report.urgent.province")
    assert codes("help.province") == PROVINCES
    assert codes("report.help") == REPORT_HELP
    assert codes("help.type") == HELP_TYPES
    assert codes("report.contact") == CONTACTS == codes("help.contact")
