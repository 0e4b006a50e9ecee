"""What can go wrong with a case-file action: a small family the pages map to clear messages.

Messages are short, in English, and never carry case content, a number or a code.
"""

from __future__ import annotations


class CaseFileError(Exception):
    """Base of every refusal; nothing was changed when one is raised."""


class CaseNotFound(CaseFileError):
    """No such case, or one this staff member may not see (both look the same)."""

    def __init__(self) -> None:
        super().__init__("case not found")


class ItemNotFound(CaseFileError):
    """No such free-text message waiting in the structuring queue."""

    def __init__(self) -> None:
        super().__init__("message not found")


class StaleVersion(CaseFileError):
    """Someone changed the case after this editor opened it; reload and try again."""

    def __init__(self, seen: int, current: int) -> None:
        super().__init__(
            f"the case changed since you opened it (version {seen}, now {current}); "
            "reload it and try again"
        )
        self.seen = seen
        self.current = current


class NotAllowed(CaseFileError):
    """This staff member may not do this to this case (role, holder, conflict of interest)."""


class BadTransition(CaseFileError):
    """The case or referral cannot move from its status to the one asked for."""


class InvalidInput(CaseFileError):
    """A value is missing, unknown or out of range; the message names the field."""
