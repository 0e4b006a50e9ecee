"""Discreet-wording lint: screens a shared phone may show must not name what happened."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flows.model import Bundle
from flows.text_fold import fold_ascii

# Matched as word beginnings on folded lower-case text, so "policia", "violencia", "sexual",
# "abuso" and their English twins are all caught. Portuguese and English together: a screen
# in either language can be seen by the same person.
DENIED_STEMS = (
    "violen", "viola", "rape", "estupr", "abus", "assault", "agress", "polic",
    "sex", "prostitu", "hiv", "sida", "aids", "pep", "ppe", "gbv", "crime", "denunc",
    "queixa", "complain", "arrest", "deten", "detid", "trafic", "traffick", "vitim", "victim",
)  # fmt: skip
_DENIED = re.compile(r"\b(" + "|".join(DENIED_STEMS) + r")", re.IGNORECASE)

# Screens and texts a curious onlooker may see without the reporter choosing to go deeper.
EXPOSED_PREFIXES = ("sys.", "status.", "nav.")


def denied_words(text: str) -> tuple[str, ...]:
    """Return the denied word beginnings found in a text (accents folded first)."""
    return tuple(sorted({match.lower() for match in _DENIED.findall(fold_ascii(text))}))


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
