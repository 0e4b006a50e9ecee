"""Outbound SMS texts from data files, checked at load: GSM-7, one segment, discreet wording."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from service.casework.wording import denied_words
from service.messaging.gsm7 import fits_one_segment, fold_to_gsm7

LANGUAGES = ("pt", "en")
DEFAULT_LANG = "pt"
# The longest value each placeholder can take: the lint renders every text with these.
NAME_LIMIT = 24
HELP_LABEL_LIMIT = 16
WORST_CASE: Mapping[str, str] = {
    "code": "123456789",
    "deadline": "1440 min",
    "waited": "99999 h",
    "name": "W" * NAME_LIMIT,
    "help": "W" * HELP_LABEL_LIMIT,
    "number": "99",
    "n": "1440",
    "phone": "+258841234567",
    # officer.cases: the caller packs codes up to this many characters.
    "codes": "1" * 100,
}


class TextsInvalid(Exception):
    """A template file breaks a rule; the message names the language and the key."""


@dataclass(frozen=True)
class SmsTexts:
    """Every outbound text in every language, already linted."""

    texts: Mapping[str, Mapping[str, str]]

    def render(self, lang: str, key: str, **params: str) -> str:
        """Fill one text; an unknown language falls back to Portuguese."""
        table = self.texts.get(lang) or self.texts[DEFAULT_LANG]
        return table[key].format(**params)

    def help_label(self, lang: str, help_code: str | None) -> str:
        """The officer-safe word for the kind of help a case asks for."""
        table = self.texts.get(lang) or self.texts[DEFAULT_LANG]
        return table.get(f"help.{help_code}", table["help.unknown"])


def officer_name(name: str) -> str:
    """An officer's name as it may appear in an SMS: GSM-7 and short."""
    return fold_to_gsm7(name)[:NAME_LIMIT]


@cache
def load_texts() -> SmsTexts:
    """Read and lint templates/sms.<lang>.json; raise TextsInvalid on the first broken rule."""
    tables: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        raw = resources.files("service.casework").joinpath(f"templates/sms.{lang}.json")
        tables[lang] = dict(json.loads(raw.read_text(encoding="utf-8"))["texts"])
    check_texts(tables)
    return SmsTexts(tables)


def check_texts(tables: Mapping[str, Mapping[str, str]]) -> None:
    """Check that languages agree on keys and placeholders, and every text passes the lint."""
    reference = tables[DEFAULT_LANG]
    for lang, table in tables.items():
        if set(table) != set(reference):
            missing = sorted(set(reference) ^ set(table))
            raise TextsInvalid(f"{lang}: keys differ from {DEFAULT_LANG}: {missing}")
        for key, text in table.items():
            if _fields(text) != _fields(reference[key]):
                raise TextsInvalid(f"{lang}/{key}: placeholders differ from {DEFAULT_LANG}")
            problem = lint_text(text)
            if key.startswith("help.") and len(text) > HELP_LABEL_LIMIT:
                problem = f"longer than {HELP_LABEL_LIMIT} characters"
            if problem:
                raise TextsInvalid(f"{lang}/{key}: {problem}")


def lint_text(template: str) -> str | None:
    """Return what is wrong with a template filled with worst-case values, or None."""
    unknown = _fields(template) - set(WORST_CASE)
    if unknown:
        return f"unknown placeholders {sorted(unknown)}"
    filled = template.format(**WORST_CASE)
    if not fits_one_segment(filled):
        return "not one GSM-7 segment with the longest values"
    denied = denied_words(template)
    if denied:
        return f"denied words {denied}"
    return None


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
