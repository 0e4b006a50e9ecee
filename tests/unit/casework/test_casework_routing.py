"""Routing rules over plain facts: role fit, load, duty, province, conflict of interest, turns."""

from __future__ import annotations

from service.casework.routing import (
    CaseFacts,
    OfficerFacts,
    choose_officer,
    coordinators_to_tell,
    may_see,
    should_reroute,
)


def case(**overrides: object) -> CaseFacts:
    values: dict[str, object] = {
        "province": "sofala",
        "help": "psychosocial",
        "police_perpetrator": False,
        "police_ok": False,
    }
    values.update(overrides)
    return CaseFacts(**values)  # type: ignore[arg-type]  # overrides are loosely typed on purpose


def officer(officer_id: int, role: str, **overrides: object) -> OfficerFacts:
    values: dict[str, object] = {
        "id": officer_id,
        "role": role,
        "province": "sofala",
        "on_duty": True,
        "active": True,
        "open_cases": 0,
    }
    values.update(overrides)
    return OfficerFacts(**values)  # type: ignore[arg-type]  # overrides are loosely typed on purpose


def chosen(facts: CaseFacts, officers: list[OfficerFacts], **kwargs: object) -> int | None:
    found = choose_officer(facts, officers, **kwargs)  # type: ignore[arg-type]  # test passes optional args through
    return found.id if found else None


def test_the_role_that_fits_the_help_asked_for_wins() -> None:
    team = [officer(1, "paralegal"), officer(2, "health_liaison"), officer(3, "psychosocial")]
    assert chosen(case(help="legal"), team) == 1
    assert chosen(case(help="pep"), team) == 2
    assert chosen(case(help="health"), team) == 2
    for help_code in ("psychosocial", "callback", "safety", "none", None):
        assert chosen(case(help=help_code), team) == 3


def test_fewest_open_cases_first_then_the_lowest_id() -> None:
    team = [officer(1, "psychosocial", open_cases=3), officer(2, "psychosocial", open_cases=1)]
    assert chosen(case(), team) == 2
    team = [officer(5, "psychosocial", open_cases=1), officer(4, "psychosocial", open_cases=1)]
    assert chosen(case(), team) == 4


def test_off_duty_inactive_and_other_provinces_do_not_fit() -> None:
    team = [
        officer(1, "psychosocial", on_duty=False),
        officer(2, "psychosocial", active=False),
        officer(3, "psychosocial", province="gaza"),
        officer(9, "coordinator"),
    ]
    assert chosen(case(), team) == 9


def test_without_anyone_in_the_province_any_coordinator_takes_it() -> None:
    team = [officer(1, "psychosocial", province="gaza"), officer(7, "coordinator", province="tete")]
    assert chosen(case(), team) == 7
    assert chosen(case(province=None), team) == 7
    assert chosen(case(), [officer(1, "psychosocial", province="gaza")]) is None


def test_a_provincial_coordinator_comes_before_one_elsewhere_and_on_duty_first() -> None:
    team = [
        officer(1, "coordinator", province="tete"),
        officer(2, "coordinator", on_duty=False),
        officer(3, "coordinator"),
    ]
    assert chosen(case(), team) == 3
    assert chosen(case(), team[:2]) == 2


def test_police_officers_are_excluded_when_police_did_it_and_there_is_no_consent() -> None:
    team = [officer(1, "police_liaison"), officer(2, "coordinator")]
    excluded = case(help="police", police_perpetrator=True, police_ok=False)
    assert chosen(excluded, team) == 2
    assert not may_see(excluded, team[0])
    consented = case(help="police", police_perpetrator=True, police_ok=True)
    assert chosen(consented, team) == 1
    assert chosen(case(help="police", police_ok=True), team) == 1


def test_excluded_police_officers_are_never_chosen_even_as_a_last_resort() -> None:
    excluded = case(help="police", police_perpetrator=True)
    assert chosen(excluded, [officer(1, "police_liaison")]) is None
    assert chosen(excluded, [officer(1, "police_liaison")], avoid=2) is None


def test_escalation_walks_through_everyone_before_coming_back() -> None:
    team = [officer(1, "psychosocial"), officer(2, "psychosocial"), officer(3, "coordinator")]
    facts = case()
    assert chosen(facts, team, tried={1: 1}, avoid=1) == 2
    assert chosen(facts, team, tried={1: 1, 2: 1}, avoid=2) == 3
    assert chosen(facts, team, tried={1: 1, 2: 1, 3: 1}, avoid=3) == 1


def test_the_officer_just_passed_over_gets_it_again_only_when_alone() -> None:
    assert chosen(case(), [officer(1, "psychosocial")], tried={1: 1}, avoid=1) == 1


def test_a_stopgap_holder_is_replaced_when_someone_fits_better() -> None:
    team = [
        officer(1, "psychosocial"),
        officer(2, "coordinator"),
        officer(3, "coordinator", province="gaza"),
    ]
    assert should_reroute(case(), team[1], team)
    assert not should_reroute(case(), team[0], team)
    assert should_reroute(case(), team[2], team[1:])  # provincial beats elsewhere
    assert not should_reroute(case(), team[1], team[1:])


def test_a_holder_excluded_by_conflict_of_interest_must_leave() -> None:
    police = officer(1, "police_liaison")
    assert should_reroute(case(help="police", police_perpetrator=True), police, [police])


def test_coordinators_told_are_the_provinces_on_duty_else_any() -> None:
    team = [
        officer(1, "coordinator"),
        officer(2, "coordinator", on_duty=False),
        officer(3, "coordinator", province="gaza"),
        officer(4, "psychosocial"),
    ]
    assert [o.id for o in coordinators_to_tell(case(), team)] == [1]
    assert [o.id for o in coordinators_to_tell(case(), team[1:])] == [2]
    assert [o.id for o in coordinators_to_tell(case(province="tete"), team)] == [1, 3]
    assert coordinators_to_tell(case(), [officer(4, "psychosocial")]) == []
