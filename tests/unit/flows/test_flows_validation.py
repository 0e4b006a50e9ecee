"""Broken flow data is refused at load time, each time with a FlowError that says why."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from flows import FlowError
from flows.loader import build_bundle, read_packaged_data

Raw = dict[str, Any]


def _broken(change: Callable[[Raw, dict[str, Raw]], None]) -> None:
    flows_data, texts_data = copy.deepcopy(read_packaged_data())
    change(flows_data, texts_data)
    build_bundle(flows_data, texts_data)


def test_the_packaged_data_loads_without_changes() -> None:
    _broken(lambda flows, texts: None)


def test_a_text_missing_in_one_language_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        del texts["en"]["texts"]["report.danger"]

    with pytest.raises(FlowError, match=r"'report\.danger' is missing in en"):
        _broken(change)


def test_a_transition_to_a_screen_that_does_not_exist_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["report.when"]["next"] = "report.nowhere"

    with pytest.raises(FlowError, match=r"missing screen 'report\.nowhere'"):
        _broken(change)


def test_a_screen_from_which_no_end_can_be_reached_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        # Two screens that only lead to each other: a loop with no way out.
        flows["screens"]["main"]["options"][3]["next"] = "loop.a"
        flows["screens"]["loop.a"] = {"type": "menu", "text": "opt.yes", "next": "loop.b",
                                      "options": "yes_no"}  # fmt: skip
        flows["screens"]["loop.b"] = {"type": "menu", "text": "opt.no", "next": "loop.a",
                                      "options": "yes_no"}  # fmt: skip

    with pytest.raises(FlowError, match=r"'loop\.a' is a dead end"):
        _broken(change)


def test_a_text_too_long_for_one_screen_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        texts["pt"]["texts"]["case.code"] = "Escreva o código " * 12

    with pytest.raises(FlowError, match=r"'case.code' \(pt\) renders \d+ > 160"):
        _broken(change)


def test_a_code_parameter_that_would_overflow_the_done_screen_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        texts["en"]["texts"]["report.done"] = "R" * 140 + " {code}"

    with pytest.raises(FlowError, match=r"'report.done' \(en\) renders"):
        _broken(change)


def test_an_option_label_that_fits_no_page_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        texts["pt"]["texts"]["who.client"] = "Cliente " * 19

    with pytest.raises(FlowError, match="one option does not fit"):
        _broken(change)


def test_an_unknown_parameter_in_a_text_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        texts["pt"]["texts"]["help.done"] = "Codigo {cdoe}"

    with pytest.raises(FlowError, match=r"unknown parameter \{cdoe\}"):
        _broken(change)


def test_a_skip_word_that_is_a_reserved_input_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["report.pin"]["skip"] = "0"

    with pytest.raises(FlowError, match="reserved input '0'"):
        _broken(change)


def test_an_unknown_field_in_a_screen_is_refused_so_typos_surface() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["report.pin"]["nxet"] = "report.confirm"

    with pytest.raises(FlowError, match="unknown fields"):
        _broken(change)


def test_an_unreachable_screen_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["orphan"] = {"type": "end", "text": "opt.yes"}

    with pytest.raises(FlowError, match="'orphan' cannot be reached"):
        _broken(change)


def test_an_indiscreet_word_on_the_first_screen_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        texts["en"]["texts"]["main.report"] = "Report violence"

    with pytest.raises(FlowError, match=r"'main\.report' \(en\) is not discreet: violen"):
        _broken(change)


def test_every_text_file_carries_the_partner_review_note() -> None:
    _, texts_data = read_packaged_data()
    for table in texts_data.values():
        assert "National Sex Workers Rights Platform" in str(table["review_status"])
        pending = table["pending_review"]
        assert isinstance(pending, dict)
        assert pending["status"] == "pending partner review"
        assert "rights.health" in pending["keys"]


def test_portuguese_texts_are_written_with_their_accents() -> None:
    _, texts_data = read_packaged_data()
    pt = texts_data["pt"]["texts"]
    assert isinstance(pt, dict)
    assert pt["sys.invalid"] == "Não válido."
    assert pt["province.zambezia"] == "Zambézia"


def test_a_branch_on_an_answer_no_screen_asks_for_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["report.help"]["branches"][0]["if"] = {"helpp": ["police"]}

    with pytest.raises(FlowError, match=r"'report\.help' names answer 'helpp'"):
        _broken(change)


def test_a_submit_keeping_an_answer_no_screen_asks_for_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        cancel = flows["screens"]["report.finish"]["options"][3]
        cancel["branches"][0]["submit"]["keep"].append("provinse")

    with pytest.raises(FlowError, match=r"names answer 'provinse'"):
        _broken(change)


def test_a_branch_to_a_missing_screen_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["report.who"]["branches"][0]["next"] = "report.nowhere"

    with pytest.raises(FlowError, match=r"missing screen 'report\.nowhere'"):
        _broken(change)


def test_a_branch_without_a_condition_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["report.who"]["branches"][0]["if"] = {}

    with pytest.raises(FlowError, match="a branch needs at least one condition"):
        _broken(change)


def test_an_unknown_submit_stage_is_refused() -> None:
    def change(flows: Raw, texts: dict[str, Raw]) -> None:
        flows["screens"]["report.urgent.province"]["submit"]["stage"] = "later"

    with pytest.raises(FlowError, match=r"stage urgent\|alert\|final"):
        _broken(change)
