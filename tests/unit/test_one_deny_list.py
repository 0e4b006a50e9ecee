"""One deny-list and one lint for every reporter-facing channel: USSD screens and SMS templates."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from flows import FlowError
from flows.lint import denied_words, deny_list, discreet_problems
from flows.loader import build_bundle, load_bundle, read_packaged_data
from flows.text_fold import fold_ascii
from service.casework import texts as sms_texts
from service.casework.texts import LANGUAGES, TextsInvalid, check_texts, load_texts

# Words that only one of the two old lists denied: the one list must deny them on both channels.
ONCE_ONLY_USSD = ["queixa", "denúncia", "complaint", "PPE", "tráfico", "vítima"]
ONCE_ONLY_SMS = ["Gabinete", "espancada", "arma", "prisão", "profilaxia", "Hands Off", "hit"]


def _flows_with(key: str, text: str) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    flows_data, texts_data = read_packaged_data()
    texts_data = copy.deepcopy(texts_data)
    table = texts_data["en"]["texts"]
    assert isinstance(table, dict) and key in table
    table[key] = text
    return flows_data, texts_data


def _sms_with(key: str, text: str) -> dict[str, dict[str, str]]:
    tables = {lang: dict(load_texts().texts[lang]) for lang in LANGUAGES}
    tables["en"][key] = text
    return tables


def test_every_ussd_screen_of_flows_data_that_an_onlooker_sees_passes_the_lint() -> None:
    assert list(discreet_problems(load_bundle())) == []


def test_every_sms_template_passes_the_same_lint() -> None:
    for lang in LANGUAGES:
        for key, text in load_texts().texts[lang].items():
            assert denied_words(text) == (), (lang, key)


def test_the_sms_templates_are_checked_by_the_flows_lint_itself() -> None:
    assert sms_texts.denied_words is denied_words


@pytest.mark.parametrize("word", ONCE_ONLY_USSD + ONCE_ONLY_SMS)
def test_a_denied_word_on_the_first_screen_fails_the_flows(word: str) -> None:
    with pytest.raises(FlowError, match="not discreet"):
        build_bundle(*_flows_with("main.check", f"Check {word}"))


@pytest.mark.parametrize("word", ONCE_ONLY_USSD + ONCE_ONLY_SMS)
def test_a_denied_word_in_an_sms_template_fails_the_templates(word: str) -> None:
    with pytest.raises(TextsInvalid, match="denied words"):
        # Folded first: a letter outside GSM-7 would fail the template for another reason.
        check_texts(_sms_with("reporter.thanks", f"Thanks {fold_ascii(word)}."))


def test_innocent_words_that_share_letters_with_a_whole_word_pass() -> None:
    assert denied_words("History of this case: nothing to add.") == ()
    assert denied_words("Hit the button") == ("hit",)


def test_the_list_is_data_in_the_pure_core() -> None:
    raw = resources.files("flows").joinpath("data/denied_words.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    assert deny_list().stems == tuple(data["stems"]["list"])
    assert deny_list().words == tuple(data["words"]["list"])
    assert {"polic", "violen", "sex", "hiv"} <= set(deny_list().stems)
