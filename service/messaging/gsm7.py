"""The GSM 03.38 default alphabet: which texts fit one 160-character SMS segment."""

from __future__ import annotations

import unicodedata

# The basic character set, in code-point order of the 03.38 table.
_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (an escape, then the character).
_EXTENDED = frozenset("^{}\\[~]|€\f")
SEGMENT_SEPTETS = 160


def septets(text: str) -> int | None:
    """Return the septets `text` needs in GSM-7, or None if one character forces UCS-2."""
    total = 0
    for char in text:
        if char in _BASIC:
            total += 1
        elif char in _EXTENDED:
            total += 2
        else:
            return None
    return total


def fits_one_segment(text: str) -> bool:
    """Say whether `text` is pure GSM-7 and fits one segment (160 septets)."""
    needed = septets(text)
    return needed is not None and needed <= SEGMENT_SEPTETS


def fold_to_gsm7(text: str) -> str:
    """Drop diacritics GSM-7 lacks (ã → a, ç → c) and replace anything else it cannot carry."""
    out: list[str] = []
    for char in text:
        if char in _BASIC or char in _EXTENDED:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and septets(base) is not None else "?")
    return "".join(out)
