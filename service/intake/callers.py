"""The one way a caller's number becomes a short-lived pseudonym, on USSD and SMS alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crypto import Pseudonymiser


class CallerPseudonyms:
    """Pseudonyms that change every period, so Redis keys never hold a lasting identifier."""

    def __init__(
        self,
        pseudonymiser: Pseudonymiser,
        period_seconds: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._pseudonymiser = pseudonymiser
        self._period_seconds = period_seconds
        self._clock = clock

    def now_and_before(self, phone: str, now: datetime | None = None) -> tuple[str, str]:
        """This period's pseudonym, and the last period's (a resume can span the change)."""
        period = int((now or self._clock()).timestamp()) // self._period_seconds
        return (
            self._pseudonymiser.pseudonym(phone, period),
            self._pseudonymiser.pseudonym(phone, period - 1),
        )

    def now(self, phone: str) -> str:
        return self.now_and_before(phone)[0]
