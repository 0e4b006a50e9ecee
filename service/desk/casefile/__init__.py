"""The case file: what the desk's case page and its forms read and change (no Flask here).

Plain functions on SQLAlchemy sessions behind one class, `CaseFiles`; every change is audited,
takes the version its editor saw, and follows the same routing and conflict-of-interest rules
as the SMS commands. See docs/casefile.md.
"""

from service.desk.casefile.actor import AUDITOR, COORDINATOR, OFFICER, Actor, StaffRole
from service.desk.casefile.assigning import OfficerChoice
from service.desk.casefile.disclosure import OpenedNote, SealedContent
from service.desk.casefile.errors import (
    BadTransition,
    CaseFileError,
    CaseNotFound,
    InvalidInput,
    ItemNotFound,
    NotAllowed,
    StaleVersion,
)
from service.desk.casefile.parts import CaseFileParts
from service.desk.casefile.service import CaseFiles
from service.desk.casefile.structuring import OpenedMessage, StructuredCase, WaitingMessage
from service.desk.casefile.view import (
    CaseFileView,
    DeadlineState,
    HolderView,
    Newness,
    ReferralView,
    TimelineEvent,
    deadline_state,
)

__all__ = [
    "AUDITOR",
    "COORDINATOR",
    "OFFICER",
    "Actor",
    "BadTransition",
    "CaseFileError",
    "CaseFileParts",
    "CaseFileView",
    "CaseFiles",
    "CaseNotFound",
    "DeadlineState",
    "HolderView",
    "InvalidInput",
    "ItemNotFound",
    "Newness",
    "NotAllowed",
    "OfficerChoice",
    "OpenedMessage",
    "OpenedNote",
    "ReferralView",
    "SealedContent",
    "StaffRole",
    "StaleVersion",
    "StructuredCase",
    "TimelineEvent",
    "WaitingMessage",
    "deadline_state",
]
