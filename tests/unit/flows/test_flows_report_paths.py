"""How many answers each report path takes, measured on the engine and pinned in docs/flows.md.

An answer is one input after the dial (choosing "report" on the main menu is the first). The
numbering of every menu is the same in both languages, so each path is played in both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows import Bundle, Step, SubmitCase, start, step

DOCS = Path(__file__).resolve().parents[3] / "docs" / "flows.md"

# The bounds issue 9 sets (answers after the dial).
MINIMAL_REPORT = 8
COMPLETE_REPORT = 11
URGENT_COMMIT = 4
URGENT_CONTACT_AND_PROVINCE = 6


@dataclass(frozen=True)
class ReportPath:
    """A path through the report flow, as typed, and the screen it must end on."""

    inputs: tuple[str, ...]
    ends_on: str
    bound: int | None = None


# report, forced sex, "no: it was today", client, Sofala, health care, SMS ... (see docs/flows.md)
BASE = ("1", "1", "2", "1", "5", "1", "1")
PATHS: dict[str, ReportPath] = {
    "minimal: common subtype, send": ReportPath((*BASE, "1"), "report.done", MINIMAL_REPORT),
    "complete: common subtype, a few words, PIN": ReportPath(
        (*BASE, "2", "Ele recusou", "1234"), "report.done", COMPLETE_REPORT
    ),
    "common subtype, PIN only": ReportPath((*BASE, "3", "1234"), "report.done", COMPLETE_REPORT),
    "subtype in a group (beaten: with a weapon), send": ReportPath(
        ("1", "3", "2", "2", "1", "5", "1", "1", "1"), "report.done"
    ),
    "subtype two groups deep (health services: mistreated), send": ReportPath(
        ("1", "7", "4", "1", "2", "1", "5", "1", "1", "1"), "report.done"
    ),
    "perpetrator on the second list (family), send": ReportPath(
        ("1", "1", "2", "8", "1", "5", "1", "1", "1"), "report.done"
    ),
    "police did it: police question, send": ReportPath(
        ("1", "6", "2", "3", "5", "1", "2", "1", "1"), "report.done"
    ),
    "police help chosen: police question, send": ReportPath(
        ("1", "1", "2", "1", "5", "4", "1", "1", "1"), "report.done"
    ),
    "police did it, complete (words, PIN)": ReportPath(
        ("1", "6", "2", "3", "5", "1", "2", "1", "2", "Na rua", "1234"),
        "report.done",
        COMPLETE_REPORT,
    ),
    "not in danger, cancel": ReportPath((*BASE, "4"), "report.cancelled"),
    "urgent: committed": ReportPath(("1", "1", "1"), "report.urgent.contact", URGENT_COMMIT),
    "urgent: contact and province captured, help alerted": ReportPath(
        ("1", "1", "1", "2", "5"), "report.alerted", URGENT_CONTACT_AND_PROVINCE
    ),
    "urgent: the rest, send": ReportPath(
        ("1", "1", "1", "2", "5", "1", "1", "1", "1", "1"), "report.done"
    ),
    "urgent: the rest, cancel (code shown)": ReportPath(
        ("1", "1", "1", "2", "5", "1", "1", "1", "1", "4"), "report.kept"
    ),
}


def walk(bundle: Bundle, inputs: tuple[str, ...], lang: str) -> list[Step]:
    """Play the inputs from the dial; return every hop's step."""
    hops = [start(bundle, lang)]
    for entry in inputs:
        hops.append(step(bundle, hops[-1].state, entry))
    return hops


def submits(hops: list[Step]) -> list[str]:
    """The submit stages, in the order the hops emitted them."""
    return [e.stage for hop in hops for e in hop.effects if isinstance(e, SubmitCase)]


@pytest.mark.parametrize("lang", ["pt", "en"])
@pytest.mark.parametrize("name", sorted(PATHS))
def test_every_report_path_ends_where_it_should_within_its_bound(
    bundle: Bundle, name: str, lang: str
) -> None:
    path = PATHS[name]
    hops = walk(bundle, path.inputs, lang)
    assert hops[-1].state.screen_id == path.ends_on
    assert all(hop.state.lang == lang for hop in hops)
    assert not any(hop.screen.hint for hop in hops), "a path must not need a second try"
    if path.bound is not None:
        assert len(path.inputs) <= path.bound


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_the_urgent_case_is_committed_on_the_danger_answer_and_alerted_once_located(
    bundle: Bundle, lang: str
) -> None:
    hops = walk(bundle, PATHS["urgent: the rest, send"].inputs, lang)
    stages = [(i, e) for i, hop in enumerate(hops) for e in hop.effects]
    assert [(i, e.stage) for i, e in stages if isinstance(e, SubmitCase)] == [
        (3, "urgent"),
        (5, "alert"),
        (10, "final"),
    ]
    alert = next(e for i, e in stages if i == 5)
    assert isinstance(alert, SubmitCase)
    located = {"what": "rape", "danger": "yes", "contact": "call", "province": "sofala"}
    assert alert.answers == located


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_a_path_that_sends_submits_once_and_a_cancel_sends_nothing(
    bundle: Bundle, lang: str
) -> None:
    assert submits(walk(bundle, PATHS["minimal: common subtype, send"].inputs, lang)) == ["final"]
    assert submits(walk(bundle, PATHS["not in danger, cancel"].inputs, lang)) == []


def measured_table(bundle: Bundle) -> dict[str, int]:
    """Path name -> answers, for every path, checked to be the same in both languages."""
    table = {}
    for name, path in PATHS.items():
        lengths = {len(walk(bundle, path.inputs, lang)) - 1 for lang in bundle.languages}
        assert len(lengths) == 1
        table[name] = lengths.pop()
    return table


def documented_table() -> dict[str, int]:
    """Rows of the path table in docs/flows.md: | path | answers |."""
    rows = re.findall(r"^\| (.+?) \| (\d+) \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE)
    return {name: int(count) for name, count in rows}


def test_docs_flows_md_states_the_measured_answers_of_every_path(bundle: Bundle) -> None:
    assert documented_table() == measured_table(bundle)
