"""Parse SMS commands (officers: Portuguese and English; reporters: any language with a template
file) into data; no I/O beyond the packaged keyword files, no lookups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal, cast

from service.casework.texts import TextsInvalid, load_texts

OfficerVerb = Literal["ack", "close", "refer", "outcome", "note", "contact", "cases", "help"]
ReporterVerb = Literal["stop", "status", "help"]

OFFICER_VERBS: dict[str, OfficerVerb] = {
    "OK": "ack",
    "FIM": "close",
    "FECHAR": "close",
    "CLOSE": "close",
    "ENC": "refer",
    "REF": "refer",
    "RES": "outcome",
    "RESULT": "outcome",
    "NOTA": "note",
    "NOTE": "note",
    "TEL": "contact",
    "CALL": "contact",
    "CASOS": "cases",
    "CASES": "cases",
    "AJUDA": "help",
    "HELP": "help",
}
# Which of the officer's numbers each verb takes after the code, at most.
MAX_NUMBERS: dict[OfficerVerb, int] = {"close": 1, "refer": 1, "outcome": 2}
# A reporter's words come from the template files (reporter_keywords), one set per language.
ReporterKeywords = Mapping[str, tuple[str, str]]
CODE_DIGITS = 9
TRAILING_PUNCTUATION = ".!?,;:"


@dataclass(frozen=True)
class OfficerCommand:
    """A well-formed officer command; the code is digits only, not yet checked."""

    verb: OfficerVerb
    code: str = ""
    numbers: tuple[int, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Malformed:
    """An officer verb with arguments that do not fit: answered with the usage text."""

    verb: OfficerVerb


@dataclass(frozen=True)
class ReporterCommand:
    """STOP, STATUS or HELP from a number that is not an officer's."""

    verb: ReporterVerb
    lang: str
    code: str = ""
    pin: str = ""


@dataclass(frozen=True)
class FreeText:
    """Anything else: kept sealed for a coordinator to structure."""

    text: str


def parse_officer(text: str) -> OfficerCommand | Malformed | None:
    """Parse an officer command; None when the first word is no officer verb."""
    words = text.split()
    if not words:
        return None
    verb = OFFICER_VERBS.get(words[0].upper().rstrip(TRAILING_PUNCTUATION))
    if verb is None:
        return None
    rest = words[1:]
    if verb in ("cases", "help"):
        return OfficerCommand(verb) if verb == "help" or not rest else Malformed(verb)
    code, rest = _take_code(rest)
    if code is None:
        return Malformed(verb)
    if verb == "note":
        note = _text_after_code(text)
        return OfficerCommand(verb, code, text=note) if note else Malformed(verb)
    numbers = _numbers(rest)
    if numbers is None or len(numbers) > MAX_NUMBERS.get(verb, 0):
        return Malformed(verb)
    return OfficerCommand(verb, code, numbers)


def parse_reporter(
    text: str, keywords: ReporterKeywords | None = None
) -> ReporterCommand | FreeText:
    """Parse what a reporter (any number that is not an officer's) texted.

    `keywords` maps each word to its verb and language; by default, the template files' words.
    """
    table = default_reporter_keywords() if keywords is None else keywords
    words = text.split()
    found = table.get(words[0].upper().rstrip(TRAILING_PUNCTUATION)) if words else None
    if found is None:
        return FreeText(text.strip())
    verb, lang = cast(ReporterVerb, found[0]), found[1]
    if verb != "status":
        # "STOP" means stop, whatever follows; help likewise.
        return ReporterCommand(verb, lang)
    code, rest = _take_code(words[1:])
    if code is None or len(rest) != 1 or not _is_digits(rest[0]):
        return ReporterCommand("status", lang)
    return ReporterCommand("status", lang, code=code, pin=rest[0])


@cache
def default_reporter_keywords() -> ReporterKeywords:
    """The template files' reporter keywords, refused if one would read as an officer verb."""
    keywords = load_texts().keywords
    check_reporter_keywords(keywords)
    return keywords


def check_reporter_keywords(keywords: ReporterKeywords) -> None:
    """A reporter's word must not be an officer verb: "OK 123456789 1234" from a stranger is
    ignored as a probe of the officer channel, so such a word would never be answered."""
    for word, (verb, lang) in keywords.items():
        if word in OFFICER_VERBS and not (verb == "help" and OFFICER_VERBS[word] == "help"):
            raise TextsInvalid(f"{lang}/reporter_keywords/{verb}: {word} is an officer command")


def looks_like_officer_command(text: str) -> bool:
    """An officer verb followed by a code: what a stranger probing the officer channel sends."""
    parsed = parse_officer(text)
    return isinstance(parsed, OfficerCommand) and parsed.verb not in ("help",)


def _take_code(words: list[str]) -> tuple[str | None, list[str]]:
    """Gather digit groups ('123 456-789') into a nine-digit code; None if they do not make one."""
    digits = ""
    taken = 0
    for word in words:
        chunk = word.replace("-", "")
        if len(digits) >= CODE_DIGITS or not _is_digits(chunk):
            break
        digits += chunk
        taken += 1
    if len(digits) != CODE_DIGITS:
        return None, words
    return digits, words[taken:]


def _numbers(words: list[str]) -> tuple[int, ...] | None:
    if not all(_is_digits(w) and len(w) <= 4 for w in words):
        return None
    return tuple(int(w) for w in words)


def _text_after_code(text: str) -> str:
    """The note: everything after the verb and the code's digit groups, as typed."""
    words = text.split(maxsplit=1)
    remainder = words[1] if len(words) > 1 else ""
    digits = 0
    index = 0
    while index < len(remainder) and digits < CODE_DIGITS:
        char = remainder[index]
        if char.isascii() and char.isdigit():
            digits += 1
        elif char not in " -\t":
            break
        index += 1
    return remainder[index:].strip()


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
