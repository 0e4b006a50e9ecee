"""Who should hold a case: pure rules over plain facts, so they are tested without a database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.casework.vocab import COORDINATOR, POLICE_LIAISON, role_for_help

# Tiers, best first: an officer whose role fits in the case's province, the provincial
# coordinator, then (only when the province has neither, or is not known yet) any coordinator.
FITTING, PROVINCIAL_COORDINATOR, ANY_COORDINATOR = 0, 1, 2


@dataclass(frozen=True)
class CaseFacts:
    """The routing envelope fields assignment reads."""

    province: str | None
    help: str | None
    police_perpetrator: bool
    police_ok: bool


@dataclass(frozen=True)
class OfficerFacts:
    """An officer as assignment sees them."""

    id: int
    role: str
    province: str
    on_duty: bool
    active: bool
    open_cases: int


def police_excluded(case: CaseFacts) -> bool:
    """Police perpetrator and no consent: police-role officers must not see the case at all."""
    return case.police_perpetrator and not case.police_ok


def may_see(case: CaseFacts, officer: OfficerFacts) -> bool:
    """Whether the conflict-of-interest rule lets this officer hold or hear of the case."""
    return officer.active and not (officer.role == POLICE_LIAISON and police_excluded(case))


def tier(case: CaseFacts, officer: OfficerFacts) -> int | None:
    """The officer's tier for this case, or None when they cannot hold it."""
    if not may_see(case, officer):
        return None
    in_province = case.province is not None and officer.province == case.province
    if in_province and officer.on_duty and officer.role == role_for_help(case.help):
        return FITTING
    if officer.role == COORDINATOR:
        return PROVINCIAL_COORDINATOR if in_province else ANY_COORDINATOR
    return None


def choose_officer(
    case: CaseFacts,
    officers: Iterable[OfficerFacts],
    tried: Mapping[int, int] | None = None,
    avoid: int | None = None,
) -> OfficerFacts | None:
    """Pick who gets the case next.

    Fewest earlier turns on this case first (so escalation walks through everyone before
    coming back), then the best tier, on duty, fewest open cases. `avoid` (the officer who just
    let the deadline pass) is skipped unless nobody else can take it.
    """
    turns = tried or {}
    pool = [(t, o) for o in officers if (t := tier(case, o)) is not None]
    if any(t < ANY_COORDINATOR for t, _ in pool):
        pool = [(t, o) for t, o in pool if t < ANY_COORDINATOR]
    if avoid is not None and any(o.id != avoid for _, o in pool):
        pool = [(t, o) for t, o in pool if o.id != avoid]
    if not pool:
        return None
    _, best = min(
        pool,
        key=lambda item: (
            turns.get(item[1].id, 0),
            item[0],
            not item[1].on_duty,
            item[1].open_cases,
            item[1].id,
        ),
    )
    return best


def should_reroute(case: CaseFacts, holder: OfficerFacts, officers: Iterable[OfficerFacts]) -> bool:
    """After the final answers: move a case whose holder no longer fits and someone fits better."""
    holder_tier = tier(case, holder)
    if holder_tier is None:
        return True  # Conflict of interest, or deactivated: the case must leave them.
    return any((t := tier(case, o)) is not None and t < holder_tier for o in officers)


def coordinators_to_tell(case: CaseFacts, officers: Iterable[OfficerFacts]) -> list[OfficerFacts]:
    """The coordinators told of an escalation: the province's, else every coordinator."""
    coordinators = [o for o in officers if o.active and o.role == COORDINATOR]
    provincial = [o for o in coordinators if case.province and o.province == case.province]
    chosen = provincial or coordinators
    on_duty = [o for o in chosen if o.on_duty]
    return on_duty or chosen
