"""Create engines and bring the schema up to date with Alembic."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from crypto import AuditSigner

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# The intake writes with INSERT … RETURNING, which SQLite has since 3.35 (Python 3.11's own builds
# bring 3.39 or later).
SQLITE_MIN = (3, 35, 0)


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long one connection may wait: to connect, per statement, for a lock, for the pool.

    The aggregator drops a USSD session whose reply takes more than about 10 s, so a stalled
    database must fail a hop in a few seconds (the reporter sees "try again") rather than hold a
    thread; `statement_seconds=None` is for migrations only.
    """

    connect_seconds: int = 2
    statement_seconds: float | None = 3.0
    lock_seconds: float = 2.0
    pool_seconds: float = 2.0


# A USSD hop, and every other request of the web (the default for every engine).
HOP_TIMEOUTS = DatabaseTimeouts()
# The worker's jobs and sweeps have no reporter waiting, but must not hang either.
WORKER_TIMEOUTS = DatabaseTimeouts(
    connect_seconds=5, statement_seconds=30.0, lock_seconds=10.0, pool_seconds=10.0
)
# Schema upgrades may rewrite a large table: no statement limit, still a bounded lock wait.
MIGRATION_TIMEOUTS = DatabaseTimeouts(
    connect_seconds=5, statement_seconds=None, lock_seconds=30.0, pool_seconds=30.0
)


def make_engine(url: str, timeouts: DatabaseTimeouts = HOP_TIMEOUTS) -> Engine:
    """Build an engine whose every connection has `timeouts`; SQLite gets WAL and a busy timeout."""
    # hide_parameters: an error message must never carry row values into a log or a traceback.
    if url.startswith("sqlite"):
        if sqlite3.sqlite_version_info < SQLITE_MIN:
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} is too old: the embedded default needs 3.35 or "
                "later (INSERT … RETURNING); use a newer Python build or set DATABASE_URL."
            )
        engine = create_engine(
            url,
            # The busy timeout is SQLite's only wait: a writer holding the file too long.
            connect_args={
                "timeout": timeouts.statement_seconds or 15,
                "check_same_thread": False,
            },
            pool_timeout=timeouts.pool_seconds,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        with_postgres_timeouts(make_url(url), timeouts),
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=timeouts.pool_seconds,
        hide_parameters=True,
    )


def with_postgres_timeouts(url: URL, timeouts: DatabaseTimeouts) -> URL:
    """Put the timeouts in the URL, so every connection made from it has them (the relay's too).

    They go into libpq's `options` (server settings, applied at connect: no extra round trip)
    after any options the URL already has, such as a search_path.
    """
    settings = [f"-c lock_timeout={int(timeouts.lock_seconds * 1000)}"]
    if timeouts.statement_seconds is not None:
        settings.append(f"-c statement_timeout={int(timeouts.statement_seconds * 1000)}")
    given = url.query.get("options", "")
    existing = given if isinstance(given, str) else " ".join(given)
    options = " ".join([existing, *settings]).strip()
    return url.update_query_dict(
        {"connect_timeout": str(timeouts.connect_seconds), "options": options}
    )


# Session.info key of the process's audit signer (service/casework/audit.py reads it).
AUDIT_SIGNER_INFO = "audit_signer"


def make_sessionmaker(
    engine: Engine, *, audit_signer: AuditSigner | None = None
) -> sessionmaker[Session]:
    """Build the session factory; `audit_signer` is the process's key for the audit chain.

    It rides in Session.info (SQLAlchemy's place for such things), so `record_event(db, ...)`
    seals with the key of the process that owns the session and no case rule handles a key.
    """
    info = {AUDIT_SIGNER_INFO: audit_signer} if audit_signer is not None else {}
    return sessionmaker(engine, expire_on_commit=False, info=info)


def upgrade_schema(engine: Engine) -> None:
    """Apply every migration not yet applied; safe to run twice."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
