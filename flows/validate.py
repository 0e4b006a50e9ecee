"""Prove a bundle safe before use: targets exist, no dead ends, texts complete, screens fit."""

from __future__ import annotations

import string
from collections.abc import Iterator

from flows.engine import RESUME_OPTIONS, show, system_screen
from flows.errors import FlowError
from flows.lint import discreet_problems
from flows.model import Bundle, Screen, ScreenDef, State
from flows.render import (
    USSD_LIMIT,
    WORST_PARAMS,
    body_pages,
    menu_pages,
    rendered_length,
    worst_hint,
)

# Keys the shell and the engine show on their own, outside any flow.
SYSTEM_KEYS = frozenset(
    {
        "sys.try_again", "sys.too_many", "sys.bad_request", "sys.goodbye", "sys.misses",
        "sys.invalid", "sys.resume", "sys.resume_continue", "sys.resume_restart",
        "status.received", "status.handled", "status.referred", "status.concluded",
        "status.unknown", "status.pending", "nav.more", "nav.back", "nav.exit", "nav.menu",
    }
)  # fmt: skip
RESERVED_INPUTS = frozenset({"0", "00", "98", "99"})
MAX_OPTIONS = 97  # 98 and 99 are reserved inputs


def validate_bundle(bundle: Bundle) -> None:
    """Raise FlowError naming the first problem found."""
    problems = [*_structure(bundle), *_graph(bundle), *_texts(bundle)]
    if not problems:
        problems = [*_fit(bundle), *discreet_problems(bundle)]
    if problems:
        raise FlowError("; ".join(problems))


def used_text_keys(bundle: Bundle) -> set[str]:
    """Return every text key the flows refer to, plus the system keys."""
    keys = set(SYSTEM_KEYS)
    for sdef in bundle.screens.values():
        keys.add(sdef.text)
        keys.update(k for k in (sdef.hint, sdef.next_label, sdef.note) if k)
        keys.update(option.label for option in sdef.options)
    return keys


def answer_keys(bundle: Bundle) -> set[str]:
    """Return every answer key some screen writes."""
    return set().union(*(sdef.owned_keys() for sdef in bundle.screens.values()))


def _structure(bundle: Bundle) -> Iterator[str]:
    yield from _conditions(bundle)
    if bundle.start not in bundle.screens:
        yield f"start screen {bundle.start!r} does not exist"
    if bundle.default_lang not in bundle.languages:
        yield f"default language {bundle.default_lang!r} is not listed"
    for sdef in bundle.screens.values():
        yield from _screen_structure(bundle, sdef)


def _screen_structure(bundle: Bundle, sdef: ScreenDef) -> Iterator[str]:
    where = f"screen {sdef.id!r}"
    for target in sdef.targets():
        if target not in bundle.screens:
            yield f"{where} leads to missing screen {target!r}"
    if sdef.type in ("menu", "confirm"):
        if not 0 < len(sdef.options) <= MAX_OPTIONS:
            yield f"{where} needs 1 to {MAX_OPTIONS} options"
        if any(option.next is None and sdef.next is None for option in sdef.options):
            yield f"{where} has an option that leads nowhere"
    elif sdef.options:
        yield f"{where} of type {sdef.type} cannot have options"
    if sdef.type in ("input", "info") and sdef.next is None:
        yield f"{where} leads nowhere"
    if sdef.type == "input" and sdef.validator is None:
        yield f"{where} needs a validator"
    if sdef.validator == "text" and not 0 < sdef.max_len <= USSD_LIMIT:
        yield f"{where} needs max_len between 1 and {USSD_LIMIT}"
    if sdef.skip in RESERVED_INPUTS:
        yield f"{where} uses reserved input {sdef.skip!r} to skip"
    if sdef.type == "info" and sdef.next_label is None:
        yield f"{where} needs next_label"
    if sdef.type == "end" and (sdef.next or sdef.submit or sdef.check_case):
        yield f"{where} is an end and cannot lead on"
    for option in sdef.options:
        if option.lang is not None and option.lang not in bundle.languages:
            yield f"{where} switches to unknown language {option.lang!r}"


def _conditions(bundle: Bundle) -> Iterator[str]:
    """Branches and kept answers may only name answers that some screen asks for."""
    known = answer_keys(bundle)
    for sdef in bundle.screens.values():
        branches = [*sdef.branches, *(b for option in sdef.options for b in option.branches)]
        specs = [sdef.submit, *(o.submit for o in sdef.options), *(b.submit for b in branches)]
        named = {key for branch in branches for key in branch.when}
        named |= {key for spec in specs if spec is not None for key in spec.keep}
        for key in sorted(named - known):
            yield f"screen {sdef.id!r} names answer {key!r}, which no screen asks for"


def _graph(bundle: Bundle) -> Iterator[str]:
    if bundle.start not in bundle.screens:
        return
    reachable = _reach(bundle, bundle.start)
    for sid in sorted(set(bundle.screens) - reachable):
        yield f"screen {sid!r} cannot be reached from {bundle.start!r}"
    for sid, sdef in sorted(bundle.screens.items()):
        if sdef.type == "end":
            continue
        if not any(bundle.screens[other].type == "end" for other in _reach(bundle, sid)):
            yield f"screen {sid!r} is a dead end: no end screen can be reached"


def _reach(bundle: Bundle, origin: str) -> set[str]:
    seen = {origin}
    todo = [origin]
    while todo:
        for target in bundle.screens[todo.pop()].targets():
            if target in bundle.screens and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _texts(bundle: Bundle) -> Iterator[str]:
    used = used_text_keys(bundle)
    for lang in bundle.languages:
        table = bundle.texts.get(lang, {})
        for key in sorted(used - set(table)):
            yield f"text {key!r} is missing in {lang}"
        for key in sorted(set(table) - used):
            yield f"text {key!r} in {lang} is not used by any screen"
        for key, text in sorted(table.items()):
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            for name in sorted(fields - set(WORST_PARAMS)):
                yield f"text {key!r} in {lang} has unknown parameter {{{name}}}"


def _fit(bundle: Bundle) -> Iterator[str]:
    for lang in bundle.languages:
        probes: list[tuple[str, Screen]] = []
        for sid, sdef in bundle.screens.items():
            try:
                probes.extend((sid, screen) for screen in _probes(bundle, lang, sdef))
            except FlowError as error:
                yield str(error)
        probes.extend((key, system_screen(key)) for key in sorted(SYSTEM_KEYS))
        resume = Screen("sys.resume", False, options=RESUME_OPTIONS, hint="sys.invalid")
        probes.append(("sys.resume", resume))
        for name, screen in probes:
            length = rendered_length(bundle, lang, screen.with_params(**WORST_PARAMS))
            if length > USSD_LIMIT:
                yield f"screen {name!r} ({lang}) renders {length} > {USSD_LIMIT} characters"


def _probes(bundle: Bundle, lang: str, sdef: ScreenDef) -> Iterator[Screen]:
    """Yield the worst case of every page of one screen: with a hint and a back control."""
    stack = (sdef.id,) if sdef.id == bundle.start else (bundle.start, sdef.id)
    if sdef.type in ("menu", "confirm"):
        pages = len(menu_pages(bundle, lang, sdef, sdef.id == bundle.start))
    elif sdef.type == "info":
        pages = len(body_pages(bundle, lang, sdef.text))
    else:
        pages = 1
    hints = [None] if sdef.type == "end" else [None, worst_hint(bundle, lang, sdef)]
    # Deep in a flow, so the back and main-menu keys are measured too.
    stack = (*stack, sdef.id) if sdef.id != bundle.start else stack
    for page in range(pages):
        for hint in hints:
            yield show(bundle, State(lang, stack, page=page), hint)
