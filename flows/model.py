"""The data the engine works on: flow definitions, session state, screens, effects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from flows.errors import FlowError

ScreenType = Literal["menu", "confirm", "input", "info", "end"]
Validator = Literal["text", "pin", "case_code"]


Stage = Literal["urgent", "alert", "final"]


@dataclass(frozen=True)
class SubmitSpec:
    """Which case submit a transition triggers, and which answers it carries (all if empty)."""

    kind: Literal["report", "help"]
    stage: Stage
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class Branch:
    """A conditional way on: taken when every named answer has one of the listed codes."""

    when: Mapping[str, frozenset[str]]
    next: str
    submit: SubmitSpec | None = None

    def matches(self, answers: Mapping[str, str]) -> bool:
        """Return whether the answers so far meet every condition."""
        return all(answers.get(key) in codes for key, codes in self.when.items())


@dataclass(frozen=True)
class Option:
    """One numbered choice on a menu: the code it records and where it leads."""

    code: str
    label: str
    next: str | None = None
    sets: Mapping[str, str] = field(default_factory=dict)
    lang: str | None = None
    submit: SubmitSpec | None = None
    branches: tuple[Branch, ...] = ()


@dataclass(frozen=True)
class ScreenDef:
    """One screen of a flow as written in flows.json."""

    id: str
    type: ScreenType
    text: str
    answer: str | None = None
    options: tuple[Option, ...] = ()
    next: str | None = None
    validator: Validator | None = None
    max_len: int = 0
    skip: str | None = None
    hint: str | None = None
    submit: SubmitSpec | None = None
    check_case: bool = False
    next_label: str | None = None
    note: str | None = None
    note_unless: str | None = None
    review: str | None = None
    branches: tuple[Branch, ...] = ()

    def targets(self) -> tuple[str, ...]:
        """Return every screen this one can lead to by an answer (not by 0/00/99)."""
        found = [option.next or self.next for option in self.options]
        found += [branch.next for option in self.options for branch in option.branches]
        found += [branch.next for branch in self.branches]
        if not self.options:
            found.append(self.next)
        return tuple(target for target in found if target is not None)

    def owned_keys(self) -> frozenset[str]:
        """Return the answer keys this screen writes, so going back can forget them."""
        keys = {key for option in self.options for key in option.sets}
        if self.answer:
            keys.add(self.answer)
        return frozenset(keys)


@dataclass(frozen=True)
class Bundle:
    """Validated flows and texts for every language."""

    start: str
    default_lang: str
    languages: tuple[str, ...]
    screens: Mapping[str, ScreenDef]
    texts: Mapping[str, Mapping[str, str]]
    # Pagination depends on the bundle alone: computed once per screen and language, then reused
    # (measuring every candidate page on every hop was the hot path's largest cost).
    # Rendered screens without parameters are kept here too.
    layout_cache: dict[tuple[object, ...], object] = field(
        default_factory=dict, compare=False, repr=False
    )

    def text(self, lang: str, key: str) -> str:
        """Return one text, falling back to the default language for an unknown language."""
        table = self.texts.get(lang) or self.texts[self.default_lang]
        return table[key]


@dataclass(frozen=True)
class Screen:
    """What to show, before rendering: text keys, numbered lines and parameters."""

    key: str
    ends: bool
    params: Mapping[str, str] = field(default_factory=dict)
    options: tuple[tuple[str, str], ...] = ()
    controls: tuple[tuple[str, str], ...] = ()
    hint: str | None = None
    notes: tuple[str, ...] = ()
    # Index of the page of a long body text; -1 means the body is shown whole.
    page: int = -1

    def with_params(self, **params: str) -> Screen:
        """Return a copy with these parameters filled in (e.g. code=...)."""
        return replace(self, params={**self.params, **params})


@dataclass(frozen=True)
class SubmitCase:
    """Commit the session's case: urgent at once on danger, alert once located, final on send.

    "urgent" commits the case and holds the officer's alert for the reporter's contact and
    province; "alert" adds them and alerts now; "final" completes the case.
    """

    kind: Literal["report", "help"]
    stage: Stage
    answers: Mapping[str, str]


@dataclass(frozen=True)
class CheckCase:
    """Look up a case by code and PIN and show one neutral status word."""

    code: str
    pin: str


@dataclass(frozen=True)
class QuickExit:
    """Wipe the session state and any resume copy now."""


Effect = SubmitCase | CheckCase | QuickExit


@dataclass(frozen=True)
class State:
    """Where a session is: language, screen path, answers so far, misses, page. JSON-safe."""

    lang: str
    stack: tuple[str, ...]
    answers: Mapping[str, str] = field(default_factory=dict)
    misses: int = 0
    page: int = 0
    ended: bool = False
    resuming: bool = False

    def to_dict(self) -> dict[str, object]:
        """Return plain JSON types only."""
        return {
            "v": 1,
            "lang": self.lang,
            "stack": list(self.stack),
            "answers": dict(self.answers),
            "misses": self.misses,
            "page": self.page,
            "ended": self.ended,
            "resuming": self.resuming,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> State:
        """Rebuild a state saved by to_dict; raise FlowError on anything malformed."""
        lang, stack, answers = data.get("lang"), data.get("stack"), data.get("answers")
        misses, page = data.get("misses"), data.get("page")
        ended, resuming = data.get("ended"), data.get("resuming")
        if data.get("v") != 1 or not isinstance(lang, str):
            raise FlowError("saved state has an unknown version or no language")
        if not isinstance(stack, list) or not all(isinstance(s, str) for s in stack) or not stack:
            raise FlowError("saved state has no screen path")
        if not isinstance(answers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
        ):
            raise FlowError("saved state answers are not strings")
        if type(misses) is not int or type(page) is not int or misses < 0 or page < 0:
            raise FlowError("saved state counters are not small integers")
        if not isinstance(ended, bool) or not isinstance(resuming, bool):
            raise FlowError("saved state flags are not booleans")
        return cls(lang, tuple(stack), dict(answers), misses, page, ended, resuming)

    @property
    def screen_id(self) -> str:
        """Return the id of the screen the session is on."""
        return self.stack[-1]

    @property
    def flow(self) -> str:
        """Return the flow the session is in ("report", "help", "case", "rights", ...) or "main"."""
        # Screen ids are "<flow>.<step>", and the first screen after the main menu names the flow.
        return self.stack[1].split(".")[0] if len(self.stack) > 1 else "main"


@dataclass(frozen=True)
class Step:
    """The result of one hop: what to show, the new state, and what the shell must do."""

    screen: Screen
    state: State
    effects: tuple[Effect, ...] = ()
