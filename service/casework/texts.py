"""Outbound SMS texts from data files, checked at load: GSM-7, one segment, discreet wording."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from flows.lint import denied_words
from service.messaging.gsm7 import fits_one_segment, fold_to_gsm7

DEFAULT_LANG = "pt"
TEMPLATES = "templates"
_TEMPLATE_NAME = re.compile(r"^sms\.([a-z]{2,3})\.json$")
# The commands a reporter can text; each language names its own words for them.
REPORTER_VERBS = ("stop", "status", "help")
_KEYWORD = re.compile(r"^[A-Z]{2,16}$")
# The longest value each placeholder can take: the lint renders every text with these.
NAME_LIMIT = 24
HELP_LABEL_LIMIT = 16
# Officer-safe words for a case's codes, as "<kind>.<code>" keys (help.health, province.gaza).
LABEL_KINDS = ("help", "province", "contact")
WORST_CASE: Mapping[str, str] = {
    "code": "123456789",
    "deadline": "1440 min",
    "waited": "99999 h",
    "name": "W" * NAME_LIMIT,
    "help": "W" * HELP_LABEL_LIMIT,
    "province": "W" * HELP_LABEL_LIMIT,
    "contact": "W" * HELP_LABEL_LIMIT,
    "number": "99",
    "n": "1440",
    "phone": "+258841234567",
    # officer.cases: the caller packs codes up to this many characters.
    "codes": "1" * 100,
}


class TextsInvalid(Exception):
    """A template file breaks a rule; the message names the language and the key."""


def template_languages() -> tuple[str, ...]:
    """The languages with a template file, the default first: a file is all a language needs."""
    folder = resources.files("service.casework").joinpath(TEMPLATES)
    found = {m.group(1) for e in folder.iterdir() if (m := _TEMPLATE_NAME.match(e.name))}
    return (DEFAULT_LANG, *sorted(found - {DEFAULT_LANG}))


LANGUAGES = template_languages()


@dataclass(frozen=True)
class SmsTexts:
    """Every outbound text in every language, already linted, and the reporters' keywords."""

    texts: Mapping[str, Mapping[str, str]]
    # Keyword as texted (upper case) -> (reporter verb, language of the reply).
    keywords: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def render(self, lang: str, key: str, **params: str) -> str:
        """Fill one text; an unknown language falls back to Portuguese."""
        table = self.texts.get(lang) or self.texts[DEFAULT_LANG]
        return table[key].format(**params)

    def help_label(self, lang: str, help_code: str | None) -> str:
        """The officer-safe word for the kind of help a case asks for."""
        return self.label(lang, "help", help_code)

    def label(self, lang: str, kind: str, code: str | None) -> str:
        """The officer-safe word for one of a case's codes; "<kind>.unknown" for none."""
        table = self.texts.get(lang) or self.texts[DEFAULT_LANG]
        return table.get(f"{kind}.{code}", table[f"{kind}.unknown"])


def officer_name(name: str) -> str:
    """An officer's name as it may appear in an SMS: GSM-7 and short."""
    return fold_to_gsm7(name)[:NAME_LIMIT]


@cache
def load_texts() -> SmsTexts:
    """Read and lint templates/sms.<lang>.json; raise TextsInvalid on the first broken rule."""
    files = {}
    for lang in LANGUAGES:
        raw = resources.files("service.casework").joinpath(f"{TEMPLATES}/sms.{lang}.json")
        files[lang] = json.loads(raw.read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)
    return texts_from_files(files)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A key written twice would silently keep only its last text: refuse the file instead."""
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise TextsInvalid(f"{key}: written twice")
        seen[key] = value
    return seen


def texts_from_files(files: Mapping[str, Mapping[str, object]]) -> SmsTexts:
    """Build and lint the texts of parsed template files, one per language."""
    tables: dict[str, dict[str, str]] = {}
    for lang, data in files.items():
        texts = data.get("texts")
        if not isinstance(texts, dict):
            raise TextsInvalid(f"{lang}: no texts")
        tables[lang] = {str(key): str(value) for key, value in texts.items()}
    check_texts(tables)
    keywords = reporter_keywords(files)
    check_replies_name_their_keywords(tables, keywords)
    return SmsTexts(tables, keywords)


# The replies that tell a reporter what to send, and the commands each must name.
REPLIES_NAMING_KEYWORDS = {
    "reporter.help": ("status", "stop"),
    "reporter.status_usage": ("status",),
}


def check_replies_name_their_keywords(
    tables: Mapping[str, Mapping[str, str]], keywords: Mapping[str, tuple[str, str]]
) -> None:
    """A reply that says "send STATUS code PIN" must use a word its own language understands."""
    for lang, table in tables.items():
        for key, verbs in REPLIES_NAMING_KEYWORDS.items():
            said = set(table[key].upper().replace(":", " ").replace(".", " ").split())
            for verb in verbs:
                words = {
                    w for w, (v, language) in keywords.items() if (v, language) == (verb, lang)
                }
                if not words & said:
                    raise TextsInvalid(f"{lang}/{key}: names no {verb} keyword of {lang}")


def reporter_keywords(files: Mapping[str, Mapping[str, object]]) -> dict[str, tuple[str, str]]:
    """Read each language's reporter_keywords: every verb named, every word in one language."""
    found: dict[str, tuple[str, str]] = {}
    for lang, data in files.items():
        table = data.get("reporter_keywords")
        if not isinstance(table, dict) or set(table) != set(REPORTER_VERBS):
            raise TextsInvalid(f"{lang}: reporter_keywords must name {', '.join(REPORTER_VERBS)}")
        for verb, words in table.items():
            if not isinstance(words, list) or not words:
                raise TextsInvalid(f"{lang}/reporter_keywords/{verb}: expected a list of words")
            for word in words:
                if not isinstance(word, str) or not _KEYWORD.match(word):
                    raise TextsInvalid(f"{lang}/reporter_keywords/{verb}: {word!r} is not a word")
                if word in found:
                    raise TextsInvalid(f"{lang}/reporter_keywords: {word} is also {found[word][1]}")
                found[word] = (verb, lang)
    return found


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
            if key.split(".")[0] in LABEL_KINDS and len(text) > HELP_LABEL_LIMIT:
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
