"""The state machine: one pure step per hop, from state and input to screen, state and effects."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from flows.case_code import is_valid, normalise
from flows.errors import FlowError
from flows.model import (
    Bundle,
    CheckCase,
    Effect,
    Option,
    QuickExit,
    Screen,
    ScreenDef,
    State,
    Step,
    SubmitCase,
    SubmitSpec,
)
from flows.render import (
    BACK,
    EXIT,
    MORE,
    body_pages,
    menu_hides_back,
    menu_pages,
    with_main_menu_key,
)

# Reserved inputs, the same on every screen, so trained users can rely on them anywhere.
GO_BACK = "0"
MAIN_MENU = "00"
NEXT_PAGE = "98"
QUICK_EXIT = "99"
MAX_MISSES = 3
PIN_LENGTH = 4

RESUME_OPTIONS = (("1", "sys.resume_continue"), ("2", "sys.resume_restart"))


def system_screen(key: str, **params: str) -> Screen:
    """Return an END screen showing one text key the shell chose."""
    return Screen(key, True, params=params)


def start(bundle: Bundle, lang: str = "pt") -> Step:
    """Return the first screen of a new session: the main menu."""
    if lang not in bundle.languages:
        lang = bundle.default_lang
    state = State(lang, (bundle.start,))
    return Step(show(bundle, state), state)


def replay(bundle: Bundle, inputs: Sequence[str], lang: str = "pt") -> Step:
    """Rebuild a session from every input so far; only the last hop's effects are returned."""
    result = start(bundle, lang)
    for entry in inputs:
        result = step(bundle, result.state, entry)
    return result


def offer_resume(bundle: Bundle, saved: State) -> Step:
    """Ask neutrally whether to continue a cut-off session, revealing nothing typed."""
    if saved.ended or saved.screen_id not in bundle.screens or saved.lang not in bundle.languages:
        return start(bundle, saved.lang)
    state = replace(saved, resuming=True)
    return Step(_resume_screen(), state)


def step(bundle: Bundle, state: State, text: str) -> Step:
    """Take one input (already split off the aggregator's `text`) and move the session on."""
    entry = text.strip()
    if state.ended:
        return Step(system_screen("sys.goodbye"), state)
    if entry == QUICK_EXIT:
        ended = State(state.lang, (bundle.start,), misses=state.misses, ended=True)
        return Step(system_screen("sys.goodbye"), ended, (QuickExit(),))
    if state.screen_id not in bundle.screens or state.lang not in bundle.languages:
        # The flows changed since this state was saved: starting over beats guessing.
        return _restart(bundle, state)
    if state.resuming:
        return _answer_resume(bundle, state, entry)
    if entry == MAIN_MENU:
        return _restart(bundle, state)
    if entry == GO_BACK:
        return _back(bundle, state)
    sdef = bundle.screens[state.screen_id]
    if sdef.type in ("menu", "confirm"):
        return _answer_menu(bundle, state, sdef, entry)
    if sdef.type == "input":
        return _answer_input(bundle, state, sdef, entry)
    if sdef.type == "info":
        return _answer_info(bundle, state, sdef, entry)
    return Step(system_screen("sys.goodbye"), replace(state, ended=True))


def show(bundle: Bundle, state: State, hint: str | None = None) -> Screen:
    """Build the screen for the state's position, optionally prefixed by a hint."""
    screen = _layout(bundle, state, hint)
    if len(state.stack) > 2 and not screen.ends:
        # Two screens deep or more, 0 no longer leads to the main menu: say 00 does, if it fits.
        return with_main_menu_key(bundle, state.lang, bundle.screens[state.screen_id], screen)
    return screen


def _layout(bundle: Bundle, state: State, hint: str | None) -> Screen:
    sdef = bundle.screens[state.screen_id]
    back = (BACK,) if len(state.stack) > 1 else ()
    if sdef.type in ("menu", "confirm"):
        is_start = state.screen_id == bundle.start
        pages = menu_pages(bundle, state.lang, sdef, is_start)
        if menu_hides_back(bundle, state.lang, sdef, is_start):
            back = ()
        page = min(state.page, len(pages) - 1)
        options = tuple((str(i + 1), sdef.options[i].label) for i in pages[page])
        controls = (
            ((MORE,) if page < len(pages) - 1 else ())
            + ((BACK,) if page > 0 or back else ())
            + ((EXIT,) if is_start else ())
        )
        return Screen(sdef.text, False, options=options, controls=controls, hint=hint)
    if sdef.type == "input":
        return Screen(sdef.text, False, controls=back, hint=hint)
    if sdef.type == "info":
        last = len(body_pages(bundle, state.lang, sdef.text)) - 1
        page = min(state.page, last)
        forward = MORE if page < last else ("1", sdef.next_label or MORE[1])
        return Screen(sdef.text, False, controls=(forward, *back), hint=hint, page=page)
    wants_note = sdef.note and not (sdef.note_unless and state.answers.get(sdef.note_unless))
    return Screen(sdef.text, True, notes=(sdef.note,) if sdef.note and wants_note else ())


def _resume_screen(hint: str | None = None) -> Screen:
    return Screen("sys.resume", False, options=RESUME_OPTIONS, hint=hint)


def _restart(bundle: Bundle, state: State) -> Step:
    lang = state.lang if state.lang in bundle.languages else bundle.default_lang
    fresh = State(lang, (bundle.start,), misses=state.misses)
    return Step(show(bundle, fresh), fresh)


def _answer_resume(bundle: Bundle, state: State, entry: str) -> Step:
    if entry == "1":
        resumed = replace(state, resuming=False)
        return Step(show(bundle, resumed), resumed)
    if entry in ("2", MAIN_MENU):
        return _restart(bundle, state)
    if entry == GO_BACK:
        return Step(_resume_screen(), state)
    return _miss(state, lambda _missed: _resume_screen("sys.invalid"))


def _back(bundle: Bundle, state: State) -> Step:
    if state.page > 0:
        earlier = replace(state, page=state.page - 1)
    elif len(state.stack) > 1:
        stack = state.stack[:-1]
        # Forget the answer about to be given again and any from screens no longer on the path
        # (a group and the list it narrows can write the same answer: the later one wins).
        kept = set().union(*(bundle.screens[sid].owned_keys() for sid in stack[:-1]))
        kept -= bundle.screens[stack[-1]].owned_keys()
        answers = {key: value for key, value in state.answers.items() if key in kept}
        earlier = replace(state, stack=stack, answers=answers, page=0)
    else:
        earlier = state
    return Step(show(bundle, earlier), earlier)


def _miss(state: State, reshow: Callable[[State], Screen]) -> Step:
    """Count a miss; re-show with a hint, or end politely after too many."""
    missed = replace(state, misses=state.misses + 1)
    if missed.misses >= MAX_MISSES:
        ended = State(state.lang, state.stack[:1], misses=missed.misses, ended=True)
        return Step(system_screen("sys.misses"), ended)
    return Step(reshow(missed), missed)


def _miss_on(bundle: Bundle, state: State, hint: str) -> Step:
    return _miss(state, lambda missed: show(bundle, missed, hint))


def _answer_menu(bundle: Bundle, state: State, sdef: ScreenDef, entry: str) -> Step:
    pages = menu_pages(bundle, state.lang, sdef, state.screen_id == bundle.start)
    if entry == NEXT_PAGE and state.page < len(pages) - 1:
        later = replace(state, page=state.page + 1)
        return Step(show(bundle, later), later)
    if entry.isascii() and entry.isdigit() and 1 <= int(entry) <= len(sdef.options):
        option = sdef.options[int(entry) - 1]
        return _advance(bundle, state, sdef, option.code, option)
    return _miss_on(bundle, state, "sys.invalid")


def _answer_input(bundle: Bundle, state: State, sdef: ScreenDef, entry: str) -> Step:
    if sdef.skip is not None and entry == sdef.skip:
        return _advance(bundle, state, sdef, None, None)
    value = _validated(sdef, entry)
    if value is None:
        return _miss_on(bundle, state, sdef.hint or "sys.invalid")
    return _advance(bundle, state, sdef, value, None)


def _validated(sdef: ScreenDef, entry: str) -> str | None:
    """Return the value to record, or None when the input does not pass the screen's check."""
    if sdef.validator == "pin":
        ok = len(entry) == PIN_LENGTH and entry.isascii() and entry.isdigit()
        return entry if ok else None
    if sdef.validator == "case_code":
        code = normalise(entry)
        return code if is_valid(code) else None
    return entry if 0 < len(entry) <= sdef.max_len else None


def _way_on(
    sdef: ScreenDef, option: Option | None, answers: Mapping[str, str]
) -> tuple[str, SubmitSpec | None]:
    """Return where an answer leads and what it submits.

    The option's branches, then the option's own next, then the screen's branches, then the
    screen's next: the first that applies wins. A branch without a submit keeps the usual one.
    """
    submit = (option.submit if option else None) or sdef.submit
    for branch in option.branches if option else ():
        if branch.matches(answers):
            return branch.next, branch.submit or submit
    if option is not None and option.next:
        return option.next, submit
    for branch in sdef.branches:
        if branch.matches(answers):
            return branch.next, branch.submit or submit
    if sdef.next is None:  # validation proves every answer leads somewhere; say so if it did not
        raise FlowError(f"screen {sdef.id!r} leads nowhere")
    return sdef.next, submit


def _submit_case(spec: SubmitSpec, answers: Mapping[str, str]) -> SubmitCase:
    kept = {key: value for key, value in answers.items() if not spec.keep or key in spec.keep}
    return SubmitCase(spec.kind, spec.stage, kept)


def _answer_info(bundle: Bundle, state: State, sdef: ScreenDef, entry: str) -> Step:
    last = len(body_pages(bundle, state.lang, sdef.text)) - 1
    if entry == NEXT_PAGE and state.page < last:
        later = replace(state, page=state.page + 1)
        return Step(show(bundle, later), later)
    if entry == "1" and state.page >= last:
        return _advance(bundle, state, sdef, None, None)
    return _miss_on(bundle, state, "sys.invalid")


def _advance(
    bundle: Bundle, state: State, sdef: ScreenDef, value: str | None, option: Option | None
) -> Step:
    """Record the answer, collect effects, and move to the next screen."""
    answers = dict(state.answers)
    if sdef.answer and value is None:
        answers.pop(sdef.answer, None)
    elif sdef.answer and value is not None:
        answers[sdef.answer] = value
    if option is not None:
        answers.update(option.sets)
    effects: list[Effect] = []
    target, submit = _way_on(sdef, option, answers)
    if submit is not None:
        effects.append(_submit_case(submit, answers))
    if sdef.check_case:
        effects.append(CheckCase(code=answers.get("code", ""), pin=value or ""))
    lang = option.lang if option is not None and option.lang else state.lang
    if target == bundle.start:
        moved = State(lang, (target,), misses=state.misses)
    else:
        moved = State(lang, (*state.stack, target), answers, state.misses)
    screen = show(bundle, moved)
    if bundle.screens[target].type == "end":
        # Nothing typed stays in the state once the session is over.
        moved = State(lang, moved.stack, misses=state.misses, ended=True)
    return Step(screen, moved, tuple(effects))
