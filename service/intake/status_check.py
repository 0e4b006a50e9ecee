"""Answer a code + PIN status check with one of four neutral words, or one identical refusal
(or, to the number that filed it, that a case seconds old is still being registered)."""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto import SecretHasher
from flows.case_code import is_valid, normalise
from flows.case_status import STATUS_TABLE, reporter_word
from service.storage.kv import KeyValueStore, StoreUnavailable
from service.storage.models import Case

# Internal lifecycle → the reporter-facing text key, from the one status table. Nothing finer
# ever reaches a screen.
STATUS_SCREENS = {name: f"status.{row.word}" for name, row in STATUS_TABLE.items()}
UNKNOWN = "status.unknown"
# A case whose PIN the worker has not stretched yet (its first seconds): nothing can check the
# PIN, so only the number that filed it (its owner tag) is told to try again; anyone else gets
# the refusal, counted, as for a wrong PIN. Either way one digest is computed, as a miss does.
PENDING = "status.pending"


class StatusChecker:
    """Look up a case by code digest; wrong codes, wrong PINs and locked codes look the same.

    Two budgets, counted per day: each guessing number has `misses_before_lock` tries (across
    all codes), and each code has as many misses from all numbers together. A code whose budget
    strangers spent stays open to the number that filed it (its owner tag), within that number's
    own budget: nobody guesses harder than before, and strangers cannot lock the reporter out.
    """

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        hasher: SecretHasher,
        store: KeyValueStore,
        misses_before_lock: int,
        lock_seconds: int,
    ) -> None:
        self._sessions = sessions
        self._hasher = hasher
        self._store = store
        self._misses_before_lock = misses_before_lock
        self._lock_seconds = lock_seconds

    def check(self, code_text: str, pin: str, caller: str, phone: str) -> str:
        """Return the status screen key; `caller` is the caller's pseudonym, for lockouts, and
        `phone` their number (compared with the case's owner tag, never stored).

        Every attempt is counted before the lookup, atomically, so a burst of guesses sent at
        once cannot all pass the check before any is counted; a right answer takes its count back.
        """
        code = normalise(code_text)
        code_digest = self._hasher.code_digest(code) if code else "none"
        caller_key, code_key = f"hs:miss:n:{caller}", f"hs:miss:c:{code_digest}"
        try:
            caller_count = self._store.incr(caller_key, self._lock_seconds)
            code_count = self._store.incr(code_key, self._lock_seconds)
        except StoreUnavailable:
            # Without the counters we cannot enforce the lockout, so we refuse every check.
            return UNKNOWN
        if caller_count > self._misses_before_lock:
            return UNKNOWN
        # A code that used up its budget answers only the number that filed its case.
        owner_only = code_count > self._misses_before_lock
        screen = None
        if is_valid(code):
            screen = self._lookup(code, code_digest, pin, phone, owner_only)
        if screen is None:
            return UNKNOWN
        with suppress(StoreUnavailable):
            for key in (caller_key, code_key):
                self._store.decr(key)
        return screen

    def _lookup(
        self, code: str, code_digest: str, pin: str, phone: str, owner_only: bool
    ) -> str | None:
        """The case's screen key if `pin` is right (and, when `owner_only`, `phone` filed it)."""
        with self._sessions() as db:
            case = db.scalars(select(Case).where(Case.code_digest == code_digest)).one_or_none()
            if case is None or case.pin_digest is None:
                # Still compute a digest so a miss costs the same time as a hit.
                self._hasher.verify_pin(code, pin, "", None)
                if case is not None and case.pin_sealed is not None and self._owns(case, phone):
                    return PENDING
                return None
            right_pin = self._hasher.verify_pin(code, pin, case.ref, case.pin_digest)
            if owner_only:
                right_pin = right_pin and self._owns(case, phone)
            if not right_pin:
                return None
            return f"status.{reporter_word(case.status)}"

    def _owns(self, case: Case, phone: str) -> bool:
        return self._hasher.is_owner(case.ref, phone, case.owner_tag or "")
