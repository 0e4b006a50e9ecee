"""Who is acting on the desk: a small value the desk builds from the logged-in staff account."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

StaffRole = Literal["coordinator", "officer", "auditor"]
COORDINATOR: StaffRole = "coordinator"
OFFICER: StaffRole = "officer"
AUDITOR: StaffRole = "auditor"


@dataclass(frozen=True)
class Actor:
    """A staff member: id and username of their account, role, provinces, linked officer.

    A coordinator with no provinces is a national coordinator (sees every province, and the
    cases whose province is not known yet). An officer account acts as the officer `officer_id`.
    """

    id: int
    username: str
    role: StaffRole
    provinces: frozenset[str] = field(default_factory=frozenset)
    officer_id: int | None = None

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    @property
    def is_national(self) -> bool:
        return self.role == COORDINATOR and not self.provinces

    @property
    def audit_name(self) -> str:
        """How the audit log names this actor: the staff id, never a name."""
        return f"staff:{self.id}"
