"""Every desk route for every role, the excluded police officer and the anonymous included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from service.storage.models import Case
from tests.support.desk import DeskClient, DeskWorld

ANONYMOUS = "anonymous"
ROLES = (
    ANONYMOUS,
    "coordinator_national",
    "coordinator_sofala",
    "coordinator_gaza",
    "officer_holder",
    "officer_other",
    "police_excluded",
    "auditor",
)


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str
    expect: dict[str, int]
    # Well-formed fields, so a permitted role gets as far as the version check (version 0 is
    # always stale) and a refused one learns nothing from a form error.
    form: tuple[tuple[str, str], ...] = (("version", "0"),)


def by(default: int, anonymous: int = 302, **overrides: int) -> dict[str, int]:
    """The answer per role: `default`, the anonymous sent to sign in, then the exceptions."""
    answers = dict.fromkeys(ROLES, default)
    answers[ANONYMOUS] = anonymous
    answers.update(overrides)
    return answers


OUT_OF_SCOPE = {"coordinator_gaza": 404, "officer_other": 404, "police_excluded": 404}
NOT_COORDINATORS = {"officer_holder": 403, "officer_other": 403, "police_excluded": 403}


def v(**fields: str) -> tuple[tuple[str, str], ...]:
    return (("version", "0"), *fields.items())


def routes(code: str) -> list[Route]:
    """The expected answer per role; case actions carry a stale version, so nothing changes."""
    case_page = by(200, auditor=403, **OUT_OF_SCOPE)
    # A permitted action reaches the version check (409): a stale form changes nothing.
    action = by(409, auditor=403, **OUT_OF_SCOPE)
    later = (date.today() + timedelta(days=7)).isoformat()
    base = "/desk/cases/" + code
    coordinators = by(200, auditor=403, **NOT_COORDINATORS)
    item = by(404, auditor=403, **NOT_COORDINATORS)
    reason = (("reason", "structure_report"),)
    discard = (("reason", "duplicate"),)
    answers = tuple(
        {
            "kind": "report",
            "what": "beating",
            "danger": "no",
            "when": "earlier",
            "who": "client",
            "province": "sofala",
            "help": "psychosocial",
            "contact": "none",
            "police_ok": "no",
        }.items()
    )
    return [
        Route("desk.home", "GET", "/desk/", by(302)),
        Route("desk.login", "GET", "/desk/login", by(302, anonymous=200)),
        Route("desk.account", "GET", "/desk/account", by(200)),
        Route("desk.password", "GET", "/desk/password", by(200)),
        Route("desk.queue", "GET", "/desk/cases", by(200, auditor=403)),
        Route("desk.find", "GET", f"/desk/find?code={code}", by(302, auditor=403)),
        Route("desk.case_page", "GET", f"/desk/cases/{code}", case_page),
        Route("desk.add_referral", "POST", base + "/referrals", action, v(service="health")),
        Route(
            "desk.referral_outcome",
            "POST",
            base + "/referrals/outcome",
            action,
            v(number="1", outcome="accepted"),
        ),
        Route(
            "desk.referral_follow_up",
            "POST",
            base + "/referrals/follow-up",
            action,
            v(number="1", follow_up_on=later),
        ),
        Route("desk.change_status", "POST", base + "/status", action, v(status="in_contact")),
        Route("desk.add_note", "POST", base + "/notes", action, v(text="rang twice")),
        # Only coordinators assign; an officer who holds the case is refused by role.
        Route(
            "desk.assign_case",
            "POST",
            base + "/assign",
            by(409, auditor=403, **{**OUT_OF_SCOPE, **NOT_COORDINATORS}),
            v(officer_id="1"),
        ),
        # Opening the content is a read (audited); this reporter asked for no call (403).
        Route(
            "desk.open_content",
            "POST",
            base + "/content",
            by(200, auditor=403, **OUT_OF_SCOPE),
            (("reason", "supervision"),),
        ),
        Route(
            "desk.call_back",
            "POST",
            base + "/callback",
            by(403, auditor=403, **OUT_OF_SCOPE),
            (("reason", "contact_reporter"),),
        ),
        Route("desk.stats", "GET", "/desk/stats", by(200, auditor=403, **NOT_COORDINATORS)),
        Route(
            "desk.structuring", "GET", "/desk/structuring", by(200, auditor=403, **NOT_COORDINATORS)
        ),
        Route("desk.stats_csv", "GET", "/desk/stats.csv", coordinators),
        Route("desk.stats_chart", "GET", "/desk/stats/cases_by_month.svg", coordinators),
        # No message waits: a coordinator reaches the queue and is told so (404), no one else.
        Route("desk.open_message", "POST", "/desk/structuring/1/open", item, reason),
        Route("desk.structure_message", "POST", "/desk/structuring/1/structure", item, answers),
        Route("desk.discard_message", "POST", "/desk/structuring/1/discard", item, discard),
        Route("desk.audit", "GET", "/desk/audit", by(403, auditor=200)),
        Route("desk.static", "GET", "/desk/static/desk.css", by(200, anonymous=200)),
        # Last: it signs each client out.
        Route("desk.logout", "POST", "/desk/logout", by(302)),
    ]


def _clients(desk: DeskWorld) -> tuple[dict[str, DeskClient], str]:
    police = desk.officer("Agente", role="police_liaison")
    holder = desk.officer("Rita", role="psychosocial")
    other = desk.officer("Joao", role="psychosocial")
    # The case the conflict-of-interest rule hides from police: perpetrators were police.
    case_id, code = desk.file(who="police_on_duty", police_ok="no", province="sofala")
    desk.assign(case_id, holder)
    accounts = {
        "coordinator_national": desk.staff("nat", role="coordinator"),
        "coordinator_sofala": desk.staff("sof", role="coordinator", provinces=("sofala",)),
        "coordinator_gaza": desk.staff("gaz", role="coordinator", provinces=("gaza",)),
        "officer_holder": desk.staff("rita", role="officer", officer_id=holder),
        "officer_other": desk.staff("joao", role="officer", officer_id=other),
        "police_excluded": desk.staff("agente", role="officer", officer_id=police),
        "auditor": desk.staff("aud", role="auditor"),
    }
    clients = {role: desk.signed_in(staff) for role, staff in accounts.items()}
    clients[ANONYMOUS] = desk.client()
    return clients, code


def test_every_route_answers_every_role_as_its_role_allows(desk: DeskWorld) -> None:
    clients, code = _clients(desk)
    with desk.ctx.sessions() as db:
        before = db.scalars(select(Case)).one()
        status, updated = before.status, before.updated_at
    failures = []
    for route in routes(code):
        for role in ROLES:
            client = clients[role]
            if route.method == "GET":
                answer = client.get(route.path).status_code
            else:
                client.get("/desk/login" if role == ANONYMOUS else "/desk/account")
                answer = client.post(route.path, dict(route.form))
            got = answer if isinstance(answer, int) else answer.status_code
            if got != route.expect[role]:
                failures.append(f"{route.method} {route.path} as {role}: {got}")
    assert failures == [], "\n".join(failures)
    with desk.ctx.sessions() as db:
        after = db.scalars(select(Case)).one()
        assert (after.status, after.updated_at) == (status, updated)


def test_the_table_above_names_every_desk_route(desk: DeskWorld) -> None:
    named = {route.endpoint for route in routes("000000000")}
    registered = {rule.endpoint for rule in desk.app.url_map.iter_rules()}
    assert {e for e in registered if e.startswith("desk.")} == named
