"""Fold text to plain ASCII for USSD: many handsets and operators mangle accents."""

import unicodedata

# Typographic marks NFKD leaves alone but that have a plain ASCII twin.
_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def fold_ascii(text: str) -> str:
    """Drop diacritics, keep newlines, and turn anything else outside ASCII into '?'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION))
    out: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char == "\n" or " " <= char <= "~":
            out.append(char)
        elif char.isspace():
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)
