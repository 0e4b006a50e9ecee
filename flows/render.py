"""Render screens for USSD (ASCII, at most 160 characters) and split what would not fit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from flows.errors import FlowError
from flows.model import Bundle, Screen, ScreenDef
from flows.text_fold import fold_ascii

USSD_LIMIT = 160
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
DEFAULT_HINT = "sys.invalid"
MORE = ("98", "nav.more")
BACK = ("0", "nav.back")
EXIT = ("99", "nav.exit")
MAIN_MENU = ("00", "nav.menu")
# Longest value each parameter can take, so the worst case is what gets measured.
WORST_PARAMS = {"code": "9" * 9}


def fill_params(text: str, params: Mapping[str, str]) -> str:
    """Put parameter values into {name} slots; unknown slots stay as written."""
    for name, value in params.items():
        text = text.replace("{" + name + "}", value)
    return text


def _numbered(bundle: Bundle, lang: str, lines: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{number}. {bundle.text(lang, label)}" for number, label in lines]


def compose(bundle: Bundle, lang: str, screen: Screen) -> str:
    """Return the screen's full text before folding and without any length cut.

    A hint goes above the question; where both would not fit, the hint takes the question's
    place (the options below still say what is asked), so a hint never needs a page of its own.
    """
    params = dict(screen.params)
    if screen.page >= 0:
        pages = body_pages(bundle, lang, screen.key)
        body = pages[min(screen.page, len(pages) - 1)]
    else:
        body = fill_params(bundle.text(lang, screen.key), params)
    lines = [fill_params(bundle.text(lang, note), params) for note in screen.notes]
    lines.extend(_numbered(bundle, lang, screen.options))
    lines.extend(_numbered(bundle, lang, screen.controls))
    if not screen.hint:
        return "\n".join([body, *lines])
    hint = bundle.text(lang, screen.hint)
    both = "\n".join([hint, body, *lines])
    if screen.page >= 0 or len(fold_ascii(both)) <= USSD_LIMIT:
        return both  # Body pages leave room for a hint (body_budget).
    return "\n".join([hint, *lines])


def render_ussd(bundle: Bundle, lang: str, screen: Screen) -> str:
    """Return the screen as USSD text: ASCII only, at most 160 characters, no CON/END prefix."""
    if screen.params:
        return _render(bundle, lang, screen)
    # Without parameters a screen is one of a fixed set (the flows' screens, pages and hints),
    # so its text is kept: rendering is most of a hop's flow work.
    key: tuple[object, ...] = ("ussd", lang, screen.key, screen.options, screen.controls)
    key += (screen.hint, screen.notes, screen.page)
    cached = bundle.layout_cache.get(key)
    if cached is None:
        cached = bundle.layout_cache[key] = _render(bundle, lang, screen)
    return cached  # type: ignore[return-value]  # "ussd" keys hold str: one cache, three kinds


def _render(bundle: Bundle, lang: str, screen: Screen) -> str:
    # Validation proves every screen fits; the cut is a last guard so a reply is never refused.
    return fold_ascii(compose(bundle, lang, screen))[:USSD_LIMIT]


def rendered_length(bundle: Bundle, lang: str, screen: Screen) -> int:
    """Return the folded length without the cut, to prove screens fit."""
    return len(fold_ascii(compose(bundle, lang, screen)))


def fits_with_any_hint(bundle: Bundle, lang: str, screen: Screen, hint: str) -> bool:
    """Return whether the screen fits as it is and with the hint shown."""
    bare = replace(screen, hint=None)
    hinted = replace(screen, hint=hint)
    return max(rendered_length(bundle, lang, s) for s in (bare, hinted)) <= USSD_LIMIT


def with_main_menu_key(bundle: Bundle, lang: str, sdef: ScreenDef, screen: Screen) -> Screen:
    """Add the 00 main-menu key to a screen when it fits with the worst hint; else leave it."""
    candidate = replace(screen, controls=(*screen.controls, MAIN_MENU), hint=None)
    key = ("00", lang, sdef.id, candidate.options, candidate.controls, candidate.page)
    room = bundle.layout_cache.get(key)
    if room is None:
        worst = worst_hint(bundle, lang, sdef)
        room = fits_with_any_hint(bundle, lang, candidate.with_params(**WORST_PARAMS), worst)
        bundle.layout_cache[key] = room
    return replace(candidate, hint=screen.hint) if room else screen


def worst_hint(bundle: Bundle, lang: str, sdef: ScreenDef) -> str:
    """Return the longest hint that can prefix this screen."""
    keys = [DEFAULT_HINT] + ([sdef.hint] if sdef.hint else [])
    return max(keys, key=lambda key: len(fold_ascii(bundle.text(lang, key))))


def menu_controls(is_start: bool) -> tuple[tuple[str, str], ...]:
    """Return every control a menu page may show, for worst-case measuring."""
    return (MORE, BACK, EXIT) if is_start else (MORE, BACK)


def menu_pages(
    bundle: Bundle, lang: str, sdef: ScreenDef, is_start: bool
) -> tuple[tuple[int, ...], ...]:
    """Split a menu's options into pages that fit with the longest hint and all controls."""
    return menu_layout(bundle, lang, sdef, is_start)[0]


def menu_hides_back(bundle: Bundle, lang: str, sdef: ScreenDef, is_start: bool) -> bool:
    """Return whether the menu leaves out the back line (0 still works) to stay on one page."""
    return menu_layout(bundle, lang, sdef, is_start)[1]


def menu_layout(
    bundle: Bundle, lang: str, sdef: ScreenDef, is_start: bool
) -> tuple[tuple[tuple[int, ...], ...], bool]:
    """Return the menu's pages and whether the back line is left out."""
    key = ("menu", lang, sdef.id, str(is_start))
    cached = bundle.layout_cache.get(key)
    if cached is None:
        cached = bundle.layout_cache[key] = _split_menu(bundle, lang, sdef, is_start)
    return cached  # type: ignore[return-value]  # "menu" keys hold page tuples


def _split_menu(
    bundle: Bundle, lang: str, sdef: ScreenDef, is_start: bool
) -> tuple[tuple[tuple[int, ...], ...], bool]:
    numbered = [(str(i + 1), option.label) for i, option in enumerate(sdef.options)]
    hint = worst_hint(bundle, lang, sdef)
    controls = menu_controls(is_start)

    def fits(indices: Sequence[int], with_more: bool, with_back: bool = True) -> bool:
        shown = tuple(c for c in controls if (with_more or c != MORE) and (with_back or c != BACK))
        options = tuple(numbered[i] for i in indices)
        probe = Screen(sdef.text, False, options=options, controls=shown)
        return fits_with_any_hint(bundle, lang, probe, hint)

    everything = tuple(range(len(numbered)))
    if not fits(everything, with_more=False) and fits(everything, False, with_back=False):
        # Every answer on one screen is worth more than showing the 0 that works anyway.
        return (everything,), True
    pages: list[tuple[int, ...]] = []
    first = 0
    while first < len(numbered):
        rest = tuple(range(first, len(numbered)))
        if fits(rest, with_more=False):
            pages.append(rest)
            break
        count = 0
        while first + count < len(numbered) and fits(rest[: count + 1], with_more=True):
            count += 1
        if count == 0:
            raise FlowError(f"screen {sdef.id!r} ({lang}): one option does not fit 160 characters")
        pages.append(rest[:count])
        first += count
    return (tuple(pages) or ((),)), False


def body_budget(bundle: Bundle, lang: str) -> int:
    """Return room for one page of a long text next to the longest hint and controls."""
    texts = bundle.texts[lang]
    screens = bundle.screens.values()
    hints = [texts[DEFAULT_HINT]] + [texts[s.hint] for s in screens if s.hint]
    forward = [texts[MORE[1]]] + [texts[s.next_label] for s in screens if s.next_label]
    hint_room = max(len(fold_ascii(hint)) for hint in hints) + 1
    forward_room = max(len(fold_ascii(label)) for label in forward) + len("98. ") + 1
    back_room = len(fold_ascii(texts[BACK[1]])) + len("0. ") + 1
    return USSD_LIMIT - hint_room - forward_room - back_room


def body_pages(bundle: Bundle, lang: str, key: str) -> tuple[str, ...]:
    """Split a long folded text into pages, at sentence ends where a sentence fits a page."""
    cache_key = ("body", lang, key)
    cached = bundle.layout_cache.get(cache_key)
    if cached is None:
        cached = bundle.layout_cache[cache_key] = _split_body(bundle, lang, key)
    return cached  # type: ignore[return-value]  # "body" keys hold tuples of str


def _split_body(bundle: Bundle, lang: str, key: str) -> tuple[str, ...]:
    budget = body_budget(bundle, lang)
    pages: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(fold_ascii(bundle.text(lang, key)).strip()):
        candidate = f"{current} {sentence}" if current else sentence
        if len(candidate) <= budget:
            current = candidate
            continue
        if len(sentence) <= budget:
            pages.append(current)
            current = sentence
            continue
        # A sentence longer than a page fills the rest of this one, word by word.
        for word in sentence.split():
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= budget:
                current = candidate
            elif len(word) > budget:
                raise FlowError(f"text {key!r} ({lang}) has a word longer than a page")
            else:
                pages.append(current)
                current = word
    pages.append(current)
    return tuple(pages)
