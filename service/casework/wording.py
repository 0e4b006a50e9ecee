"""Discreet wording: words no SMS of ours may carry, because a shared or seized phone shows them."""

from __future__ import annotations

import re
import unicodedata

# Stems match any word that starts with them; whole words match only themselves. Portuguese and
# English, accents folded. A phone that shows one of these can out a reporter or endanger an
# officer (DOMAIN.md: never "police", "violence", "sex" or "HIV").
DENIED_STEMS = (
    "violen", "violac", "violad", "viola", "estupr", "abus", "agress", "assault", "rape",
    "sexo", "sexual", "prostitu", "polic", "gabinete", "crime", "criminal", "vitima", "victim",
    "bater", "espanc", "arma", "weapon", "detenc", "detid", "arrest", "prisao", "preso",
    "hiv", "sida", "aids", "seropositiv", "profilax", "prophyla", "contracep",
    "handsoff",
)  # fmt: skip
DENIED_WORDS = ("sex", "pep", "gbv", "vbg", "hands off", "beat", "hit", "rapist", "abuser")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_STEM_PATTERN = re.compile(r"\b(?:" + "|".join(map(re.escape, DENIED_STEMS)) + r")\w*")
_WORD_PATTERN = re.compile(r"\b(?:" + "|".join(map(re.escape, DENIED_WORDS)) + r")\b")


def denied_words(text: str) -> list[str]:
    """Return the denied words found in `text` (empty when it is discreet)."""
    folded = _fold(text)
    return _STEM_PATTERN.findall(folded) + _WORD_PATTERN.findall(folded)
