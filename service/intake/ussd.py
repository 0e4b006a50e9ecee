"""One USSD hop: find the new input, run the flow a step, apply its effects, remember the reply."""

from __future__ import annotations

import itertools
import json
import logging
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError

from config.settings import Limits
from crypto import CryptoError, SecretHasher, StateCipher
from crypto.contexts import USSD_RESUME, USSD_STATE, USSD_URGENT, context_bytes
from flows import (
    Bundle,
    CheckCase,
    FlowError,
    QuickExit,
    Screen,
    State,
    Step,
    SubmitCase,
    offer_resume,
    render_ussd,
    replay,
    start,
    step,
    system_screen,
)
from service.intake.callers import CallerPseudonyms
from service.intake.reports import Intake, Submitted
from service.intake.status_check import StatusChecker
from service.queueing.outbox import Dispatcher
from service.storage.kv import HopKeys, KeyValueStore, KeyWrite, StoreUnavailable

log = logging.getLogger(__name__)

RESUMABLE_FLOWS = frozenset({"report", "help"})
LOCK_TTL_SECONDS = 10.0
LOCK_WAIT_SECONDS = 5.0
COUNT_WINDOW_SECONDS = 3600  # rate limits count per hour
# Urgent cases from one caller within this window join the first (no new officer alert).
URGENT_REPEAT_WINDOW_SECONDS = 6 * 3600


@dataclass(frozen=True)
class UssdHop:
    """A validated USSD callback, in our terms."""

    session_id: str
    phone: str
    text: str


@dataclass(frozen=True)
class UssdReply:
    """A screen to show; `ends` closes the session."""

    text: str
    ends: bool


@dataclass(frozen=True)
class _Urgent:
    """A report whose reporter said "in danger": where its case lives, and if it still must be
    committed (the urgent commit failed; every later hop, and a resumed session, tries again)."""

    session: str  # the session digest the case is (to be) stored under: it survives a resume
    kind: str
    pending: bool

    def to_dict(self) -> dict[str, object]:
        return {"d": self.session, "k": self.kind, "p": self.pending}

    @classmethod
    def from_dict(cls, data: object) -> _Urgent | None:
        if not isinstance(data, dict):
            return None
        session, kind, pending = data.get("d"), data.get("k"), data.get("p")
        if not isinstance(session, str) or kind not in ("report", "help"):
            return None
        return cls(session, kind, pending is True)


@dataclass(frozen=True)
class _Record:
    text: str
    state: State
    reply: UssdReply
    urgent: _Urgent | None = None


@dataclass
class _Hop:
    """One hop in progress: who, which session, what the store said, what it must do after."""

    request: UssdHop
    session: str
    callers: tuple[str, str]  # the caller's pseudonym now, and in the previous period
    now: datetime
    values: dict[str, bytes | None] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)
    sets: list[KeyWrite] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    increments: list[tuple[str, int]] = field(default_factory=list)
    urgent: _Urgent | None = None

    @property
    def caller(self) -> str:
        return self.callers[0]

    @property
    def report_count_key(self) -> str:
        return f"hs:rl:r:{self.caller}"

    @property
    def session_count_key(self) -> str:
        return f"hs:rl:s:{self.caller}"

    def resume_keys(self) -> tuple[str, str]:
        return (f"hs:r:{self.callers[0]}", f"hs:r:{self.callers[1]}")

    def urgent_keys(self) -> tuple[str, str]:
        """The caller's first urgent case of the last hours (sealed id), now and last period."""
        return (f"hs:u:{self.callers[0]}", f"hs:u:{self.callers[1]}")


class UssdService:
    """The USSD shell around the pure flow engine."""

    def __init__(
        self,
        *,
        bundle: Bundle,
        store: KeyValueStore,
        cipher: StateCipher,
        callers: CallerPseudonyms,
        hasher: SecretHasher,
        intake: Intake,
        status: StatusChecker,
        dispatcher: Dispatcher,
        limits: Limits,
        clock: Callable[[], datetime],
    ) -> None:
        self._bundle = bundle
        self._store = store
        self._cipher = cipher
        self._callers_of = callers
        self._hasher = hasher
        self._intake = intake
        self._status = status
        self._dispatcher = dispatcher
        self._limits = limits
        self._clock = clock
        # Lock tokens only need to be unique: one random prefix, then a counter (no syscall).
        self._token_prefix = secrets.token_hex(6)
        self._token_counter = itertools.count()

    def handle(self, request: UssdHop) -> UssdReply:
        """Answer one hop; with the store down, replay the flow from the `text` path instead."""
        now = self._clock()
        session = self._hasher.session_digest(request.session_id, request.phone)
        hop = _Hop(request, session, self._callers(request.phone, now), now)
        keys = self._hop_keys(hop)
        try:
            begun = self._store.begin_hop(keys, LOCK_TTL_SECONDS, LOCK_WAIT_SECONDS)
        except StoreUnavailable:
            log.warning("session store unavailable; replaying the hop from its text path")
            return self._hop_by_replay(hop)
        if not begun.acquired:
            return self._render(system_screen("sys.try_again"), "pt")
        hop.values, hop.counted = begun.values, begun.counted
        try:
            return self._hop_with_store(hop, self._open_record(begun.state, session))
        finally:
            # One round trip: the new state, the resume copy, counters, the lock's release.
            with suppress(StoreUnavailable):
                self._store.end_hop(keys, hop.sets, hop.deletes, hop.increments)

    def _hop_keys(self, hop: _Hop) -> HopKeys:
        """Everything this hop may need from the store, read with the lock in one round trip."""
        reads: tuple[str, ...] = (hop.report_count_key, *hop.urgent_keys())
        counts: tuple[str, ...] = ()
        if hop.request.text == "":  # a dial: count the session, look for a session to resume
            reads += hop.resume_keys()
            counts = (hop.session_count_key,)
        elif _skips_the_dial(hop.request.text):
            reads += (hop.session_count_key,)  # counted as a dial if the session is unknown
        return HopKeys(
            lock=f"hs:l:{hop.session}",
            token=f"{self._token_prefix}{next(self._token_counter):x}",
            state=f"hs:s:{hop.session}",
            reads=reads,
            counts=counts,
            count_ttl_seconds=COUNT_WINDOW_SECONDS,
        )

    def _hop_with_store(self, hop: _Hop, record: _Record | None) -> UssdReply:
        text = hop.request.text
        if record is not None and record.text == text:
            return record.reply  # A repeated callback: same screen, no effects run twice.
        if record is None and text == "":
            if hop.counted.get(hop.session_count_key, 0) > self._limits.sessions_per_hour:
                return self._render(system_screen("sys.too_many"), "pt")
            saved, hop.urgent = self._saved_for_resume(hop)
            result = offer_resume(self._bundle, saved) if saved else start(self._bundle)
        elif record is None and _skips_the_dial(text) and self._over_session_limit(hop):
            return self._render(system_screen("sys.too_many"), "pt")
        elif record is not None and _extends(record.text, text):
            new_input = text[len(record.text) + 1 :] if record.text else text
            result = step(self._bundle, record.state, new_input)
            hop.urgent = record.urgent
            if hop.urgent and not hop.urgent.pending and _restarted(record.state, result.state):
                hop.urgent = None  # A new report: the urgent case stays as it was.
        else:
            # State lost (expired, store restarted) or hops out of order: the path is the truth.
            result = replay(self._bundle, _inputs(text))
        screen, committed = self._apply(result, hop)
        reply = self._render(screen, result.state.lang)
        self._remember(hop, result, reply, committed, record)
        return reply

    def _hop_by_replay(self, hop: _Hop) -> UssdReply:
        result = replay(self._bundle, _inputs(hop.request.text))
        screen, _ = self._apply(result, hop)
        return self._render(screen, result.state.lang)

    def _apply(self, result: Step, hop: _Hop) -> tuple[Screen, bool]:
        """Run the effects; returns the screen to show and whether a final submit failed."""
        screen = result.screen
        ok = True
        submits_final = any(
            isinstance(effect, SubmitCase) and effect.stage == "final" for effect in result.effects
        )
        if hop.urgent is not None and hop.urgent.pending and not submits_final:
            self._retry_urgent(hop, hop.urgent, result.state)
        for effect in result.effects:
            if isinstance(effect, SubmitCase):
                screen, ok = self._submit(effect, screen, hop, result.state.lang)
            elif isinstance(effect, CheckCase):
                found = self._status.check(effect.code, effect.pin, hop.caller, hop.request.phone)
                screen = system_screen(found)
            elif isinstance(effect, QuickExit):
                hop.deletes.extend(hop.resume_keys())
        return screen, ok

    def _submit(
        self, effect: SubmitCase, screen: Screen, hop: _Hop, lang: str
    ) -> tuple[Screen, bool]:
        # An urgent case is never refused: help must start even for a busy number, and
        # completing it (or showing its code after a cancel) creates no new case.
        completes_urgent = effect.answers.get("danger") == "yes"
        if effect.stage == "final" and not completes_urgent and self._over_report_limit(hop):
            return system_screen("sys.too_many"), False
        # A resumed report keeps the session digest its urgent case was stored under.
        session = hop.urgent.session if hop.urgent is not None else hop.session
        repeat_of = self._first_urgent_case(hop) if effect.stage == "urgent" else None
        try:
            submitted = self._commit(effect, session, hop, lang, repeat_of=repeat_of)
        except SQLAlchemyError:
            log.exception("case commit failed")
            if effect.stage == "urgent":
                # Later hops (and a resumed session) try again; the final submit would too.
                hop.urgent = _Urgent(session, effect.kind, pending=True)
                return screen, True
            if effect.stage != "final":
                return screen, True  # A later submit carries what this one did.
            return system_screen("sys.try_again"), False
        if effect.stage == "urgent":
            hop.urgent = _Urgent(session, effect.kind, pending=False)
            if submitted.created and repeat_of is None:
                hop.sets.append(self._urgent_write(hop.caller, submitted.case_id))
        if effect.stage == "final":
            return screen.with_params(code=submitted.code), True
        return screen, True

    def _commit(
        self, effect: SubmitCase, session: str, hop: _Hop, lang: str, repeat_of: int | None = None
    ) -> Submitted:
        """Commit through the intake, then count the new case and enqueue its jobs."""
        submitted = self._intake.submit(
            effect,
            session_digest=session,
            phone=hop.request.phone,
            lang=lang,
            now=hop.now,
            repeat_of=repeat_of,
        )
        if submitted.created:
            hop.increments.append((hop.report_count_key, COUNT_WINDOW_SECONDS))
        self._dispatcher.enqueue(submitted.outbox_ids)
        return submitted

    def _retry_urgent(self, hop: _Hop, urgent: _Urgent, state: State) -> None:
        """Commit the urgent case whose first commit failed, with the answers given so far."""
        kind: Literal["report", "help"] = "help" if urgent.kind == "help" else "report"
        effect = SubmitCase(kind, "urgent", dict(state.answers))
        try:
            self._commit(effect, urgent.session, hop, state.lang)
        except SQLAlchemyError:
            log.exception("urgent case commit failed again")
            return
        hop.urgent = replace(urgent, pending=False)

    def _over_session_limit(self, hop: _Hop) -> bool:
        """A session we never saw, arriving several answers deep: count it as the dial it hid.

        Otherwise a client could skip the first hop and never be counted.
        """
        count = int(hop.values.get(hop.session_count_key) or 0) + 1
        hop.increments.append((hop.session_count_key, COUNT_WINDOW_SECONDS))
        return count > self._limits.sessions_per_hour

    def _over_report_limit(self, hop: _Hop) -> bool:
        count = hop.values.get(hop.report_count_key)
        return int(count or 0) >= self._limits.reports_per_hour

    def _remember(
        self,
        hop: _Hop,
        result: Step,
        reply: UssdReply,
        committed: bool,
        previous: _Record | None,
    ) -> None:
        """Decide what the store keeps after this hop; written when the hop ends."""
        state_key = f"hs:s:{hop.session}"
        if reply.ends:
            hop.deletes.append(state_key)
            if committed:
                hop.deletes.append(hop.resume_keys()[0])
            elif previous is not None:
                # The final commit failed: keep the answers so the reporter can resume and send.
                hop.sets.append(self._resume_write(hop.caller, previous.state, hop.urgent))
            return
        record: dict[str, object] = {
            "t": hop.request.text,
            "s": result.state.to_dict(),
            "r": [reply.text, False],
        }
        if hop.urgent is not None:
            record["u"] = hop.urgent.to_dict()
        blob = self._cipher.seal(
            json.dumps(record).encode(), context_bytes(USSD_STATE, hop.session)
        )
        hop.sets.append(KeyWrite(state_key, blob, self._limits.session_ttl_seconds))
        if _resumable(result.state):
            hop.sets.append(self._resume_write(hop.caller, result.state, hop.urgent))

    def _resume_write(self, caller: str, state: State, urgent: _Urgent | None) -> KeyWrite:
        saved: dict[str, object] = {"s": state.to_dict()}
        if urgent is not None:
            saved["u"] = urgent.to_dict()
        blob = self._cipher.seal(json.dumps(saved).encode(), context_bytes(USSD_RESUME, caller))
        return KeyWrite(f"hs:r:{caller}", blob, self._limits.resume_window_seconds)

    def _open_record(self, blob: bytes | None, session: str) -> _Record | None:
        """Open the stored state; anything unreadable counts as lost (the path is replayed)."""
        if blob is None:
            return None
        try:
            data = json.loads(self._cipher.open(blob, context_bytes(USSD_STATE, session)))
            state = State.from_dict(data["s"])
            urgent = _Urgent.from_dict(data.get("u"))
            return _Record(data["t"], state, UssdReply(*data["r"]), urgent)
        except (CryptoError, FlowError, ValueError, KeyError, TypeError):
            return None

    def _saved_for_resume(self, hop: _Hop) -> tuple[State | None, _Urgent | None]:
        """The unfinished report this number left, if any, and its urgent case (read with the
        lock)."""
        for caller, key in zip(hop.callers, hop.resume_keys(), strict=True):
            blob = hop.values.get(key)
            if blob is None:
                continue
            try:
                saved = json.loads(self._cipher.open(blob, context_bytes(USSD_RESUME, caller)))
                return State.from_dict(saved["s"]), _Urgent.from_dict(saved.get("u"))
            except (CryptoError, FlowError, ValueError, KeyError, TypeError):
                return None, None
        return None, None

    def _first_urgent_case(self, hop: _Hop) -> int | None:
        """The case id of this caller's first urgent case of the last hours, if any.

        Keyed by the daily caller pseudonym (never a lasting digest): enough for a window of
        hours, and a repeat across the day's change is at worst alerted once more.
        """
        for caller, key in zip(hop.callers, hop.urgent_keys(), strict=True):
            blob = hop.values.get(key)
            if blob is None:
                continue
            try:
                return int(self._cipher.open(blob, context_bytes(USSD_URGENT, caller)))
            except (CryptoError, ValueError):
                return None
        return None

    def _urgent_write(self, caller: str, case_id: int) -> KeyWrite:
        blob = self._cipher.seal(str(case_id).encode(), context_bytes(USSD_URGENT, caller))
        return KeyWrite(f"hs:u:{caller}", blob, URGENT_REPEAT_WINDOW_SECONDS)

    def _callers(self, phone: str, now: datetime) -> tuple[str, str]:
        """The caller's pseudonym in this period and the last (resume spans a period change)."""
        return self._callers_of.now_and_before(phone, now)

    def _render(self, screen: Screen, lang: str) -> UssdReply:
        return UssdReply(text=render_ussd(self._bundle, lang, screen), ends=screen.ends)


def _resumable(state: State) -> bool:
    """Only a report or help request in progress is worth offering again."""
    return not state.ended and state.flow in RESUMABLE_FLOWS


def _restarted(before: State, after: State) -> bool:
    """Whether the answer to a resume offer was "start again" (continuing changes nothing else)."""
    return before.resuming and not after.resuming and replace(after, resuming=True) != before


def _extends(previous: str, text: str) -> bool:
    return (previous == "" and text != "") or text.startswith(previous + "*")


def _skips_the_dial(text: str) -> bool:
    """A path of more than one answer: what a hop of a session we never saw must not be."""
    return "*" in text


def _inputs(text: str) -> list[str]:
    return text.split("*") if text else []
