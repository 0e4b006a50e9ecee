"""One case status table: every rule that asks "open?", "early?" or "which word?" reads it."""

from __future__ import annotations

from flows import load_bundle
from flows.case_status import (
    EARLY_STATUSES,
    OPEN_STATUSES,
    REPORTER_WORDS,
    STATUS_TABLE,
    reporter_word,
)
from service.casework import assignment, officer_commands, reporter_commands, vocab
from service.casework.texts import LANGUAGES, load_texts
from service.intake import status_check

LIFECYCLE = (
    "received", "assigned", "acknowledged", "in_contact", "referred", "follow_up", "closed",
    "reopened",
)  # fmt: skip


def test_the_table_holds_the_whole_lifecycle_and_nothing_else() -> None:
    assert tuple(STATUS_TABLE) == LIFECYCLE


def test_each_status_shows_the_reporter_one_of_the_four_neutral_words() -> None:
    assert REPORTER_WORDS == ("received", "handled", "referred", "concluded")
    words = {name: reporter_word(name) for name in LIFECYCLE}
    assert words == {
        "received": "received",
        "assigned": "handled",
        "acknowledged": "handled",
        "in_contact": "handled",
        "referred": "referred",
        "follow_up": "referred",
        "closed": "concluded",
        "reopened": "handled",
    }


def test_only_a_closed_case_is_closed_and_early_means_nobody_acted_beyond_acknowledging() -> None:
    assert set(LIFECYCLE) - OPEN_STATUSES == {"closed"}
    assert {"received", "assigned", "acknowledged", "reopened"} == EARLY_STATUSES


def test_a_status_missing_from_the_table_reads_being_handled_never_more() -> None:
    assert reporter_word("something_new") == "handled"


def test_the_old_names_are_the_tables_own_sets() -> None:
    assert vocab.OPEN_STATUSES is OPEN_STATUSES
    assert assignment.EARLY_STATUSES is EARLY_STATUSES
    assert officer_commands.EARLY_STATUSES is EARLY_STATUSES
    assert vocab.CLOSED == "closed"
    assert {
        name: f"status.{reporter_word(name)}" for name in LIFECYCLE
    } == status_check.STATUS_SCREENS
    assert {
        **{f"status.{word}": f"reporter.{word}" for word in REPORTER_WORDS},
        status_check.PENDING: "reporter.status_pending",
    } == reporter_commands.STATUS_TEXTS


def test_every_word_has_a_ussd_screen_and_an_sms_text_in_every_language() -> None:
    bundle, sms = load_bundle(), load_texts()
    for word in REPORTER_WORDS:
        for lang in bundle.languages:
            assert f"status.{word}" in bundle.texts[lang], (lang, word)
        for lang in LANGUAGES:
            assert f"reporter.{word}" in sms.texts[lang], (lang, word)


def test_the_closure_reasons_are_the_eight_of_the_domain() -> None:
    assert vocab.CLOSURE_REASONS == (
        "needs_met", "reporter_withdrew", "lost_contact", "transferred", "duplicate",
        "test_or_false", "reporter_declined", "reporter_safety",
    )  # fmt: skip
