"""The desk's words, in data files per language (texts.pt.json, texts.en.json)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from service.desk.roles import LANGUAGES

HERE = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "pt"


@cache
def texts(lang: str) -> Mapping[str, str]:
    """All texts of one language; an unknown language gets Portuguese."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    data: dict[str, str] = json.loads((HERE / f"texts.{lang}.json").read_text("utf-8"))
    return data


def translate(lang: str, key: str, **params: object) -> str:
    """The text for `key`, filled with `params`; a missing key shows itself (tests catch it)."""
    text = texts(lang).get(key, key)
    return text.format(**params) if params else text
