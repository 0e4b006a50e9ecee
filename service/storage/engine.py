"""Create engines and bring the schema up to date with Alembic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from crypto import AuditSigner

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# The intake writes with INSERT … RETURNING, which SQLite has since 3.35 (Python 3.11's own builds
# bring 3.39 or later).
SQLITE_MIN = (3, 35, 0)


def make_engine(url: str) -> Engine:
    """Build an engine; SQLite gets WAL and a busy timeout so threads can share the file."""
    # hide_parameters: an error message must never carry row values into a log or a traceback.
    if url.startswith("sqlite"):
        if sqlite3.sqlite_version_info < SQLITE_MIN:
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} is too old: the embedded default needs 3.35 or "
                "later (INSERT … RETURNING); use a newer Python build or set DATABASE_URL."
            )
        engine = create_engine(
            url,
            connect_args={"timeout": 15, "check_same_thread": False},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
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


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
