"""One USSD hop: find the new input, run the flow a step, apply its effects, remember the reply."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from config.settings import Limits
from crypto import CryptoError, Pseudonymiser, SecretHasher, StateCipher
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
from service.intake import Intake
from service.kv import HopKeys, KeyValueStore, KeyWrite, StoreUnavailable
from service.outbox import Dispatcher
from service.status_check import StatusChecker

log = logging.getLogger(__name__)

RESUMABLE_FLOWS = frozenset({"report", "help"})
LOCK_TTL_SECONDS = 10.0
LOCK_WAIT_SECONDS = 5.0


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
class _Record:
    text: str
    state: State
    reply: UssdReply


@dataclass
class _Writes:
    """What the store must keep or forget once the hop is answered."""

    sets: list[KeyWrite] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)


class UssdService:
    """The USSD shell around the pure flow engine."""

    def __init__(
        self,
        bundle: Bundle,
        store: KeyValueStore,
        cipher: StateCipher,
        pseudonymiser: Pseudonymiser,
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
        self._pseudonymiser = pseudonymiser
        self._hasher = hasher
        self._intake = intake
        self._status = status
        self._dispatcher = dispatcher
        self._limits = limits
        self._clock = clock

    def handle(self, hop: UssdHop) -> UssdReply:
        """Answer one hop; with the store down, replay the flow from the `text` path instead."""
        now = self._clock()
        session = self._hasher.code_digest("ussd-session:" + hop.session_id)
        keys = HopKeys(lock=f"hs:l:{session}", token=secrets.token_hex(8), state=f"hs:s:{session}")
        try:
            begun = self._store.begin_hop(keys, LOCK_TTL_SECONDS, LOCK_WAIT_SECONDS)
        except StoreUnavailable:
            log.warning("session store unavailable; replaying the hop from its text path")
            return self._hop_by_replay(hop, session, now)
        if not begun.acquired:
            return self._render(system_screen("sys.try_again"), "pt")
        writes = _Writes()
        try:
            return self._hop_with_store(
                hop, session, self._open_record(begun.state, session), now, writes
            )
        finally:
            # One round trip: the new state, the resume copy, and the lock's release.
            with suppress(StoreUnavailable):
                self._store.end_hop(keys, writes.sets, writes.deletes)

    def _hop_with_store(
        self, hop: UssdHop, session: str, record: _Record | None, now: datetime, writes: _Writes
    ) -> UssdReply:
        if record is not None and record.text == hop.text:
            return record.reply  # A repeated callback: same screen, no effects run twice.
        callers = self._callers(hop.phone, now)
        if record is None and hop.text == "":
            if self._store.incr(f"hs:rl:s:{callers[0]}", 3600) > self._limits.sessions_per_hour:
                return self._render(system_screen("sys.too_many"), "pt")
            saved = self._load_resume(callers)
            result = offer_resume(self._bundle, saved) if saved else start(self._bundle)
        elif record is not None and _extends(record.text, hop.text):
            new_input = hop.text[len(record.text) + 1 :] if record.text else hop.text
            result = step(self._bundle, record.state, new_input)
        else:
            # State lost (expired, store restarted) or hops out of order: the path is the truth.
            result = replay(self._bundle, _inputs(hop.text))
        screen, committed = self._apply(result, hop, session, callers[0], now)
        reply = self._render(screen, result.state.lang)
        self._remember(session, callers[0], hop.text, result, reply, committed, record, writes)
        return reply

    def _hop_by_replay(self, hop: UssdHop, session: str, now: datetime) -> UssdReply:
        result = replay(self._bundle, _inputs(hop.text))
        caller = self._callers(hop.phone, now)[0]
        screen, _ = self._apply(result, hop, session, caller, now)
        return self._render(screen, result.state.lang)

    def _apply(
        self, result: Step, hop: UssdHop, session: str, caller: str, now: datetime
    ) -> tuple[Screen, bool]:
        """Run the effects; returns the screen to show and whether a final submit failed."""
        screen = result.screen
        ok = True
        for effect in result.effects:
            if isinstance(effect, SubmitCase):
                screen, ok = self._submit(effect, screen, hop, session, caller, result, now)
            elif isinstance(effect, CheckCase):
                key = self._status.check(effect.code, effect.pin, caller)
                screen = system_screen(key)
            elif isinstance(effect, QuickExit):
                self._forget_resume(hop.phone, now)
        return screen, ok

    def _submit(
        self,
        effect: SubmitCase,
        screen: Screen,
        hop: UssdHop,
        session: str,
        caller: str,
        result: Step,
        now: datetime,
    ) -> tuple[Screen, bool]:
        # An urgent case is never refused: help must start even for a busy number.
        if effect.stage == "final" and self._over_report_limit(caller):
            return system_screen("sys.too_many"), False
        try:
            submitted = self._intake.submit(
                effect, session_digest=session, phone=hop.phone, lang=result.state.lang, now=now
            )
        except Exception:
            log.exception("case commit failed")
            if effect.stage == "urgent":
                return screen, True  # The final submit tries again and creates the case.
            return system_screen("sys.try_again"), False
        if submitted.created:
            self._count_report(caller)
        self._dispatcher.enqueue(submitted.outbox_ids)
        if effect.stage == "final":
            return screen.with_params(code=submitted.code), True
        return screen, True

    def _over_report_limit(self, caller: str) -> bool:
        try:
            return self._store.peek_count(f"hs:rl:r:{caller}") >= self._limits.reports_per_hour
        except StoreUnavailable:
            return False

    def _count_report(self, caller: str) -> None:
        with suppress(StoreUnavailable):
            self._store.incr(f"hs:rl:r:{caller}", 3600)

    def _remember(
        self,
        session: str,
        caller: str,
        text: str,
        result: Step,
        reply: UssdReply,
        committed: bool,
        previous: _Record | None,
        writes: _Writes,
    ) -> None:
        """Decide what the store keeps after this hop; written when the hop ends."""
        if reply.ends:
            writes.deletes.append(f"hs:s:{session}")
            if committed:
                writes.deletes.append(f"hs:r:{caller}")
            elif previous is not None:
                # The final commit failed: keep the answers so the reporter can resume and send.
                writes.sets.append(self._resume_write(caller, previous.state))
            return
        record = {"t": text, "s": result.state.to_dict(), "r": [reply.text, reply.ends]}
        blob = self._cipher.seal(json.dumps(record).encode(), _context("s", session))
        writes.sets.append(KeyWrite(f"hs:s:{session}", blob, self._limits.session_ttl_seconds))
        if _resumable(result.state):
            writes.sets.append(self._resume_write(caller, result.state))

    def _resume_write(self, caller: str, state: State) -> KeyWrite:
        blob = self._cipher.seal(json.dumps(state.to_dict()).encode(), _context("r", caller))
        return KeyWrite(f"hs:r:{caller}", blob, self._limits.resume_window_seconds)

    def _open_record(self, blob: bytes | None, session: str) -> _Record | None:
        """Open the stored state; anything unreadable counts as lost (the path is replayed)."""
        if blob is None:
            return None
        try:
            data = json.loads(self._cipher.open(blob, _context("s", session)))
            state = State.from_dict(data["s"])
            return _Record(text=data["t"], state=state, reply=UssdReply(*data["r"]))
        except (CryptoError, FlowError, ValueError, KeyError, TypeError):
            return None

    def _load_resume(self, callers: tuple[str, ...]) -> State | None:
        for caller in callers:
            blob = self._store.get(f"hs:r:{caller}")
            if blob is None:
                continue
            try:
                return State.from_dict(json.loads(self._cipher.open(blob, _context("r", caller))))
            except (CryptoError, ValueError, KeyError, TypeError):
                return None
        return None

    def _forget_resume(self, phone: str, now: datetime) -> None:
        with suppress(StoreUnavailable):
            self._store.delete(*(f"hs:r:{c}" for c in self._callers(phone, now)))

    def _callers(self, phone: str, now: datetime) -> tuple[str, str]:
        """The caller's pseudonym in this period and the last (resume spans a period change)."""
        period = int(now.timestamp()) // self._limits.pseudonym_period_seconds
        return (
            self._pseudonymiser.pseudonym(phone, period),
            self._pseudonymiser.pseudonym(phone, period - 1),
        )

    def _render(self, screen: Screen, lang: str) -> UssdReply:
        return UssdReply(text=render_ussd(self._bundle, lang, screen), ends=screen.ends)


def _resumable(state: State) -> bool:
    """Only a report or help request in progress is worth offering again."""
    return not state.ended and state.flow in RESUMABLE_FLOWS


def _extends(previous: str, text: str) -> bool:
    return (previous == "" and text != "") or text.startswith(previous + "*")


def _inputs(text: str) -> list[str]:
    return text.split("*") if text else []


def _context(kind: str, key: str) -> bytes:
    return f"ussd-{kind}:{key}".encode()
