"""Every outbound SMS text, in every language: GSM-7, one segment, no word that outs anyone."""

from __future__ import annotations

import json

import pytest

from flows.lint import denied_words
from service.casework.texts import (
    LANGUAGES,
    WORST_CASE,
    TextsInvalid,
    check_texts,
    lint_text,
    load_texts,
    officer_name,
)
from service.messaging.gsm7 import fits_one_segment, fold_to_gsm7, septets

TEXTS = load_texts()
ALL = [(lang, key) for lang in LANGUAGES for key in TEXTS.texts[lang]]


@pytest.mark.parametrize(("lang", "key"), ALL)
def test_each_text_fits_one_gsm7_segment_with_its_longest_values(lang: str, key: str) -> None:
    filled = TEXTS.texts[lang][key].format(**WORST_CASE)
    assert fits_one_segment(filled), (lang, key, filled)


@pytest.mark.parametrize(("lang", "key"), ALL)
def test_each_text_passes_the_deny_list(lang: str, key: str) -> None:
    assert denied_words(TEXTS.texts[lang][key]) == ()


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(TEXTS.texts["pt"]) == set(TEXTS.texts["en"])
    check_texts(TEXTS.texts)


def test_reporter_updates_are_one_neutral_word_and_the_code() -> None:
    for lang in LANGUAGES:
        for word in ("received", "handled", "referred", "concluded"):
            text = TEXTS.render(lang, f"reporter.{word}", code="123456789")
            assert "123456789" in text
            assert len(text.split()) <= 4, text


@pytest.mark.parametrize(
    "text",
    [
        "Caso {code}: violência",
        "Case {code}: police",
        "Caso {code}: SEXO",
        "Code {code}: sex",
        "Teste de HIV {code}",
        "PEP {code}",
        "Caso {code}: abuso",
        "Caso {code}: estupro",
        "Hands Off: {code}",
        "Caso {code}: policial",
    ],
)
def test_the_lint_catches_denied_words(text: str) -> None:
    assert lint_text(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Caso {code}: ação",  # ç and ã force UCS-2
        "Caso {code}: concluído",  # í
        "x" * 152 + "{code}",  # 161 characters once filled
        "Caso {unknown}",
    ],
)
def test_the_lint_catches_texts_that_break_gsm7_or_the_segment(text: str) -> None:
    assert lint_text(text) is not None


def test_a_language_missing_a_key_is_refused() -> None:
    tables = {lang: dict(TEXTS.texts[lang]) for lang in LANGUAGES}
    del tables["en"]["reporter.handled"]
    with pytest.raises(TextsInvalid):
        check_texts(tables)


def test_gsm7_counts_extension_characters_twice_and_refuses_ucs2_letters() -> None:
    assert septets("abc") == 3
    assert septets("€[") == 4
    assert septets("é à ü Ç") == 7
    assert septets("ç") is None and septets("ã") is None and septets("ó") is None
    assert fits_one_segment("a" * 160) and not fits_one_segment("a" * 161)
    assert not fits_one_segment("€" * 81)


def test_folding_to_gsm7_keeps_what_it_can_and_drops_accents_it_cannot() -> None:
    assert fold_to_gsm7("Conceição Zambézia") == "Conceicao Zambézia"
    assert septets(fold_to_gsm7("Ngoênha 😀")) is not None
    assert officer_name("Maria da Conceição Fonseca Macuácua") == "Maria da Conceicao Fonse"


def test_a_template_key_written_twice_is_refused_not_silently_replaced() -> None:
    from service.casework.texts import TextsInvalid, _unique_keys

    with pytest.raises(TextsInvalid, match=r"officer\.unheld: written twice"):
        json.loads('{"officer.unheld": "a", "officer.unheld": "b"}', object_pairs_hook=_unique_keys)
    assert json.loads('{"a": "1", "b": "2"}', object_pairs_hook=_unique_keys) == {
        "a": "1",
        "b": "2",
    }
