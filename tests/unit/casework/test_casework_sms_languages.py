"""The reporters' SMS side is data: keywords and replies per language come from template files."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from service.casework.sms_commands import (
    FreeText,
    ReporterCommand,
    check_reporter_keywords,
    default_reporter_keywords,
    parse_reporter,
)
from service.casework.texts import (
    LANGUAGES,
    TextsInvalid,
    load_texts,
    template_languages,
    texts_from_files,
)

CODE = "123456789"


def packaged_files() -> dict[str, dict[str, object]]:
    folder = resources.files("service.casework").joinpath("templates")
    return {
        lang: json.loads(folder.joinpath(f"sms.{lang}.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }


def with_a_third_language() -> dict[str, dict[str, object]]:
    """The packaged files plus a made-up language "xx": English texts under its own keywords."""
    files = packaged_files()
    third = copy.deepcopy(files["en"])
    third["reporter_keywords"] = {"stop": ["YIMA"], "status": ["XIYIMO"], "help": ["PFUNA"]}
    texts = third["texts"]
    assert isinstance(texts, dict)
    texts["reporter.help"] = "Mahungu: rhumela XIYIMO code PIN. Ku heta: rhumela YIMA."
    texts["reporter.status_usage"] = "Ku vona rhumela: XIYIMO code PIN"
    files["xx"] = third
    return files


def test_the_languages_are_the_template_files_with_portuguese_first() -> None:
    assert template_languages() == LANGUAGES
    assert LANGUAGES[0] == "pt"
    assert set(LANGUAGES) == {"pt", "en"}


def test_the_packaged_keywords_are_read_from_the_files() -> None:
    assert default_reporter_keywords() == {
        "PARAR": ("stop", "pt"),
        "ESTADO": ("status", "pt"),
        "AJUDA": ("help", "pt"),
        "STOP": ("stop", "en"),
        "STATUS": ("status", "en"),
        "HELP": ("help", "en"),
    }


def test_a_third_language_needs_only_its_template_file() -> None:
    texts = texts_from_files(with_a_third_language())
    assert parse_reporter("yima", texts.keywords) == ReporterCommand("stop", "xx")
    assert parse_reporter(f"Xiyimo {CODE} 1234", texts.keywords) == ReporterCommand(
        "status", "xx", CODE, "1234"
    )
    assert parse_reporter("pfuna!", texts.keywords) == ReporterCommand("help", "xx")
    assert texts.render("xx", "reporter.help").startswith("Mahungu:")
    # The other languages still parse as before, and a word of none is free text.
    assert parse_reporter("PARAR", texts.keywords) == ReporterCommand("stop", "pt")
    assert parse_reporter("yima", default_reporter_keywords()) == FreeText("yima")


def test_a_language_without_a_word_for_every_command_is_refused() -> None:
    files = with_a_third_language()
    keywords = files["xx"]["reporter_keywords"]
    assert isinstance(keywords, dict)
    del keywords["help"]
    with pytest.raises(TextsInvalid, match="xx: reporter_keywords must name"):
        texts_from_files(files)


def test_a_word_claimed_by_two_languages_is_refused() -> None:
    files = with_a_third_language()
    files["xx"]["reporter_keywords"] = {"stop": ["STOP"], "status": ["XIYIMO"], "help": ["PFUNA"]}
    with pytest.raises(TextsInvalid, match="STOP is also en"):
        texts_from_files(files)


@pytest.mark.parametrize("word", ["stop", "ST OP", "", "STOP1"])
def test_a_keyword_that_is_not_one_upper_case_word_is_refused(word: str) -> None:
    files = with_a_third_language()
    files["xx"]["reporter_keywords"] = {"stop": [word], "status": ["XIYIMO"], "help": ["PFUNA"]}
    with pytest.raises(TextsInvalid, match="is not a word"):
        texts_from_files(files)


def test_a_third_language_missing_a_reply_is_refused() -> None:
    files = with_a_third_language()
    texts = files["xx"]["texts"]
    assert isinstance(texts, dict)
    del texts["reporter.thanks"]
    with pytest.raises(TextsInvalid, match="xx: keys differ"):
        texts_from_files(files)


def test_a_reporter_word_that_is_an_officer_command_is_refused() -> None:
    with pytest.raises(TextsInvalid, match="OK is an officer command"):
        check_reporter_keywords({"OK": ("status", "xx")})
    check_reporter_keywords({"AJUDA": ("help", "pt")})  # the same help on both sides is fine


def test_officer_alert_labels_cover_every_province_and_contact_mode() -> None:
    from flows.envelope import CONTACTS, PROVINCES

    texts = load_texts()
    for lang in LANGUAGES:
        for province in PROVINCES:
            assert texts.label(lang, "province", province) != texts.label(lang, "province", None)
        for contact in CONTACTS:
            assert texts.label(lang, "contact", contact) != texts.label(lang, "contact", None)
    assert texts.label("pt", "province", "zambezia") == "Zambezia"
    assert texts.label("en", "contact", "call") == "call (CALL)"


@pytest.mark.parametrize("key", ["reporter.help", "reporter.status_usage"])
def test_a_reply_naming_another_languages_word_is_refused(key: str) -> None:
    files = with_a_third_language()
    texts = files["xx"]["texts"]
    assert isinstance(texts, dict)
    texts[key] = texts[key].replace("XIYIMO", "STATUS")
    with pytest.raises(TextsInvalid, match=f"xx/{key}: names no status keyword of xx"):
        texts_from_files(files)
