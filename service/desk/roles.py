"""Desk roles and what each may see: the scope every query of case data goes through."""

from __future__ import annotations

from dataclasses import dataclass

COORDINATOR = "coordinator"
OFFICER = "officer"
AUDITOR = "auditor"
STAFF_ROLES = (COORDINATOR, OFFICER, AUDITOR)
LANGUAGES = ("pt", "en")


@dataclass(frozen=True)
class Scope:
    """Which cases a staff member may see.

    A coordinator sees their provinces (None: national); an officer sees only the cases their
    Officer row holds, less any the conflict-of-interest rule hides from them; an auditor none.
    """

    role: str
    provinces: frozenset[str] | None
    officer_id: int | None

    @property
    def sees_cases(self) -> bool:
        return self.role in (COORDINATOR, OFFICER)

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    def covers_province(self, province: str | None) -> bool:
        """Whether a coordinator may act on a case in this province (national: any)."""
        if self.role != COORDINATOR:
            return False
        return self.provinces is None or province in self.provinces


def parse_provinces(stored: str) -> frozenset[str] | None:
    """The stored space-separated list; empty means national."""
    codes = frozenset(stored.split())
    return codes or None
