"""Answer a code + PIN status check with one of four neutral words, or one identical refusal."""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto import SecretHasher
from flows.case_code import is_valid, normalise
from service.storage.kv import KeyValueStore, StoreUnavailable
from service.storage.models import Case

# Internal lifecycle → the reporter-facing text key. Nothing finer ever reaches a screen.
STATUS_SCREENS = {
    "received": "status.received",
    "assigned": "status.handled",
    "acknowledged": "status.handled",
    "in_contact": "status.handled",
    "referred": "status.referred",
    "follow_up": "status.referred",
    "closed": "status.concluded",
    "reopened": "status.handled",
}
UNKNOWN = "status.unknown"


class StatusChecker:
    """Look up a case by code digest; wrong codes, wrong PINs and locked codes look the same."""

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

    def check(self, code_text: str, pin: str, caller: str) -> str:
        """Return the status screen key; `caller` is the caller's pseudonym, for lockouts.

        Every attempt is counted before the lookup, atomically, so a burst of guesses sent at
        once cannot all pass the check before any is counted; a right answer takes its count back.
        """
        code = normalise(code_text)
        code_digest = self._hasher.code_digest(code) if code else "none"
        attempt_keys = (f"hs:miss:c:{code_digest}", f"hs:miss:n:{caller}")
        try:
            counts = [self._store.incr(key, self._lock_seconds) for key in attempt_keys]
        except StoreUnavailable:
            # Without the counters we cannot enforce the lockout, so we refuse every check.
            return UNKNOWN
        if any(count > self._misses_before_lock for count in counts):
            return UNKNOWN
        screen = self._lookup(code, code_digest, pin) if is_valid(code) else None
        if screen is None:
            return UNKNOWN
        with suppress(StoreUnavailable):
            for key in attempt_keys:
                self._store.decr(key)
        return screen

    def _lookup(self, code: str, code_digest: str, pin: str) -> str | None:
        with self._sessions() as db:
            case = db.scalars(select(Case).where(Case.code_digest == code_digest)).one_or_none()
            if case is None or case.pin_digest is None:
                # Still compute a digest so a miss costs the same time as a hit.
                self._hasher.verify_pin(code, pin, "", None)
                return None
            if not self._hasher.verify_pin(code, pin, case.ref, case.pin_digest):
                return None
            return STATUS_SCREENS.get(case.status, "status.handled")
