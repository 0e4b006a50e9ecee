"""The signed-in staff member as Flask-Login sees them; the id carries the session generation."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin

from service.desk.context import DeskContext
from service.storage.desk_models import StaffAccount


@dataclass(frozen=True)
class StaffUser(UserMixin):  # type: ignore[misc]  # flask_login ships no types: UserMixin is Any
    """A snapshot of the account, loaded on each request."""

    account_id: int
    username: str
    role: str
    provinces: str
    officer_id: int | None
    lang: str
    must_change_password: bool
    generation: int

    def get_id(self) -> str:
        # "id.generation": a password change bumps the generation, so every older session's
        # id no longer loads (logout everywhere) without a server-side session store.
        return f"{self.account_id}.{self.generation}"


def load_user(ctx: DeskContext, user_id: str) -> StaffUser | None:
    """The account behind a session id, or None when disabled or of an older generation."""
    account_part, _, generation_part = user_id.partition(".")
    if not (account_part.isdigit() and generation_part.isdigit()):
        return None
    with ctx.sessions() as db:
        account = db.get(StaffAccount, int(account_part))
        if account is None or account.disabled:
            return None
        if account.session_generation != int(generation_part):
            return None
        return StaffUser(
            account_id=account.id,
            username=account.username,
            role=account.role,
            provinces=account.provinces,
            officer_id=account.officer_id,
            lang=account.lang,
            must_change_password=account.must_change_password,
            generation=account.session_generation,
        )
