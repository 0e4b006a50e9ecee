"""The case status table: every internal state, the one word a reporter sees, open, early.

One table that every rule reads (assignment, acknowledgement, status checks, reporter SMS,
maintenance, the desk). It lives in the pure core because the reporter-facing words are the
flows' status screens (`status.<word>`) and both the intake and the case rules read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# The four neutral words a reporter may see (docs/domain.md): text keys `status.<word>` on USSD and
# `reporter.<word>` in SMS. "handled" is shown as "being handled".
RECEIVED_WORD = "received"
HANDLED_WORD = "handled"
REFERRED_WORD = "referred"
CONCLUDED_WORD = "concluded"
REPORTER_WORDS = (RECEIVED_WORD, HANDLED_WORD, REFERRED_WORD, CONCLUDED_WORD)

RECEIVED = "received"
ASSIGNED = "assigned"
ACKNOWLEDGED = "acknowledged"
IN_CONTACT = "in_contact"
REFERRED = "referred"
FOLLOW_UP = "follow_up"
CLOSED = "closed"
REOPENED = "reopened"


@dataclass(frozen=True)
class CaseStatus:
    """One internal state of a case and what every rule needs to know about it."""

    name: str
    # The only thing a reporter ever learns about it.
    word: str
    # Still needs someone: it counts in officers' lists, maintenance and assignment.
    is_open: bool
    # Nobody has acted on it beyond acknowledging: a new holder starts it again at "assigned",
    # and the holder's first action marks it "acknowledged" (and the reporter hears "handled").
    is_early: bool


# docs/domain.md: received → assigned → acknowledged → in contact → referred → follow-up → closed
# (reopened possible).
STATUS_TABLE: Mapping[str, CaseStatus] = {
    row.name: row
    for row in (
        CaseStatus(RECEIVED, RECEIVED_WORD, is_open=True, is_early=True),
        CaseStatus(ASSIGNED, HANDLED_WORD, is_open=True, is_early=True),
        CaseStatus(ACKNOWLEDGED, HANDLED_WORD, is_open=True, is_early=True),
        CaseStatus(IN_CONTACT, HANDLED_WORD, is_open=True, is_early=False),
        CaseStatus(REFERRED, REFERRED_WORD, is_open=True, is_early=False),
        CaseStatus(FOLLOW_UP, REFERRED_WORD, is_open=True, is_early=False),
        CaseStatus(CLOSED, CONCLUDED_WORD, is_open=False, is_early=False),
        CaseStatus(REOPENED, HANDLED_WORD, is_open=True, is_early=True),
    )
}
STATUSES = tuple(STATUS_TABLE)
OPEN_STATUSES = frozenset(name for name, row in STATUS_TABLE.items() if row.is_open)
EARLY_STATUSES = frozenset(name for name, row in STATUS_TABLE.items() if row.is_early)
# Statuses at the referral stage: a new referral does not move the case back to "referred".
REFERRAL_STATUSES = frozenset(
    name for name, row in STATUS_TABLE.items() if row.word == REFERRED_WORD
)


def reporter_word(status: str) -> str:
    """The word a reporter sees for an internal status; one not in the table reads "handled"."""
    row = STATUS_TABLE.get(status)
    return row.word if row is not None else HANDLED_WORD
