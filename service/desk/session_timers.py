"""Desk sessions end after 30 idle minutes and 12 hours in all, whatever the browser says."""

from __future__ import annotations

from datetime import UTC, timedelta

from flask import session

from service.desk.context import DeskContext

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)


def _now(ctx: DeskContext) -> float:
    return ctx.clock().replace(tzinfo=UTC).timestamp()


def start(ctx: DeskContext) -> None:
    """Start the timers of a fresh session (the cookie itself lasts 12 hours at most)."""
    now = _now(ctx)
    session.permanent = True
    session["signed_in_at"] = now
    session["last_seen"] = now


def expired(ctx: DeskContext) -> bool:
    """Whether this session is past either limit; otherwise note that it was used now."""
    now = _now(ctx)
    signed_in = float(session.get("signed_in_at", 0))
    last_seen = float(session.get("last_seen", 0))
    if now - signed_in > ABSOLUTE_LIMIT.total_seconds():
        return True
    if now - last_seen > IDLE_LIMIT.total_seconds():
        return True
    session["last_seen"] = now
    return False
