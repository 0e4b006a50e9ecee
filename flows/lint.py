"""Discreet-wording lint: screens and texts a shared phone may show must not name what happened.

One deny-list (`flows/data/denied_words.json`) and one lint, for USSD screens here and for the
SMS templates (`service/casework/texts.py` calls `denied_words`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flows.model import Bundle
from flows.text_fold import fold_ascii

# Screens and texts a curious onlooker may see without the reporter choosing to go deeper.
EXPOSED_PREFIXES = ("sys.", "status.", "nav.")


@dataclass(frozen=True)
class DenyList:
    """Word beginnings denied in any word, and words denied only whole."""

    stems: tuple[str, ...]
    words: tuple[str, ...]


@cache
def deny_list() -> DenyList:
    """Read the packaged deny-list (once)."""
    raw = resources.files("flows").joinpath("data/denied_words.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    return DenyList(tuple(data["stems"]["list"]), tuple(data["words"]["list"]))


@cache
def _pattern() -> re.Pattern[str]:
    found = deny_list()
    stems = (re.escape(stem) + r"\w*" for stem in found.stems)
    words = (re.escape(word) + r"\b" for word in found.words)
    return re.compile(r"\b(?:" + "|".join([*stems, *words]) + ")")


def denied_words(text: str) -> tuple[str, ...]:
    """Return the denied words found in a text (lower case, accents folded first)."""
    return tuple(sorted(set(_pattern().findall(fold_ascii(text).lower()))))


def exposed_text_keys(bundle: Bundle) -> set[str]:
    """Return the keys of the first screen, its options, and every system and status text."""
    first = bundle.screens[bundle.start]
    keys = {first.text, *(option.label for option in first.options)}
    for table in bundle.texts.values():
        keys.update(key for key in table if key.startswith(EXPOSED_PREFIXES))
    return keys


def discreet_problems(bundle: Bundle) -> Iterator[str]:
    """Yield one message per exposed text that uses a denied word."""
    for lang in bundle.languages:
        for key in sorted(exposed_text_keys(bundle)):
            found = denied_words(bundle.texts[lang].get(key, ""))
            if found:
                yield f"text {key!r} ({lang}) is not discreet: {', '.join(found)}"
