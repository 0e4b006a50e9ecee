"""The case file's one entry point for the desk's pages: every action, bound to its parts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from service.desk.casefile import assigning, disclosure, editing, reading, structuring
from service.desk.casefile.actor import Actor
from service.desk.casefile.assigning import OfficerChoice
from service.desk.casefile.disclosure import SealedContent
from service.desk.casefile.parts import CaseFileParts
from service.desk.casefile.structuring import OpenedMessage, StructuredCase, WaitingMessage
from service.desk.casefile.view import CaseFileView, Newness


class CaseFiles:
    """Read and change cases as one staff member; each call is one transaction.

    Changes take the `version` the editor saw (CaseFileView.version) and return the new one;
    every refusal is a CaseFileError and changes nothing.
    """

    def __init__(self, parts: CaseFileParts) -> None:
        self.parts = parts

    # -- reading -------------------------------------------------------------------------------

    def open(self, actor: Actor, code: str) -> CaseFileView:
        """The case page: routing fields, holder, deadline, referrals, timeline; marks it seen."""
        return reading.open_case_file(self.parts, actor, code)

    def unassigned_count(self, actor: Actor) -> int:
        """For the badge: open cases nobody on duty holds, in this coordinator's provinces."""
        return reading.unassigned_count(self.parts, actor)

    def whats_new(self, actor: Actor, case_ids: Iterable[int]) -> dict[int, Newness]:
        """For the queue: `new` (never opened) or `changed` since this viewer last looked."""
        return reading.changes_for_viewer(self.parts, actor, case_ids)

    # -- changing ------------------------------------------------------------------------------

    def eligible_officers(self, actor: Actor, code: str) -> list[OfficerChoice]:
        """For the assign form: who may hold this case, best fit first (coordinators only)."""
        return assigning.eligible_officers(self.parts, actor, code)

    def assign(self, actor: Actor, code: str, *, version: int, officer_id: int) -> int:
        return assigning.assign_case(
            self.parts, actor, code, version=version, officer_id=officer_id
        )

    def change_status(
        self,
        actor: Actor,
        code: str,
        *,
        version: int,
        status: str,
        closure_reason: str | None = None,
    ) -> int:
        return editing.change_status(
            self.parts, actor, code, version=version, status=status, closure_reason=closure_reason
        )

    def add_referral(
        self,
        actor: Actor,
        code: str,
        *,
        version: int,
        service: str,
        follow_up_on: date | None = None,
    ) -> int:
        return editing.add_referral(
            self.parts, actor, code, version=version, service=service, follow_up_on=follow_up_on
        )

    def record_referral_outcome(
        self, actor: Actor, code: str, *, version: int, number: int, outcome: str
    ) -> int:
        return editing.record_referral_outcome(
            self.parts, actor, code, version=version, number=number, outcome=outcome
        )

    def set_referral_follow_up(
        self, actor: Actor, code: str, *, version: int, number: int, follow_up_on: date | None
    ) -> int:
        return editing.set_referral_follow_up(
            self.parts, actor, code, version=version, number=number, follow_up_on=follow_up_on
        )

    def add_note(self, actor: Actor, code: str, *, version: int, text: str) -> int:
        return editing.add_note(self.parts, actor, code, version=version, text=text)

    # -- disclosure ----------------------------------------------------------------------------

    def open_content(self, actor: Actor, code: str, *, reason: str) -> SealedContent:
        return disclosure.open_content(self.parts, actor, code, reason=reason)

    def request_call_back(self, actor: Actor, code: str, *, reason: str) -> None:
        disclosure.request_call_back(self.parts, actor, code, reason=reason)

    # -- the structuring queue ----------------------------------------------------------------

    def waiting_messages(self, actor: Actor, limit: int = 100) -> list[WaitingMessage]:
        return structuring.list_waiting(self.parts, actor, limit)

    def open_message(self, actor: Actor, item_id: int, *, reason: str) -> OpenedMessage:
        return structuring.open_message(self.parts, actor, item_id, reason=reason)

    def structure_message(
        self, actor: Actor, item_id: int, *, kind: str, answers: Mapping[str, str]
    ) -> StructuredCase:
        return structuring.structure_message(self.parts, actor, item_id, kind=kind, answers=answers)

    def discard_message(self, actor: Actor, item_id: int, *, reason: str) -> None:
        structuring.discard_message(self.parts, actor, item_id, reason=reason)
