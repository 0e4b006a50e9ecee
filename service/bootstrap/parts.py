"""Parts every process builds the same way: keys, SQL, Redis, the job queue."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import AuditSigner, KeyStore, Role
from service.storage.engine import (
    HOP_TIMEOUTS,
    DatabaseTimeouts,
    make_engine,
    make_sessionmaker,
    upgrade_schema,
)

log = logging.getLogger(__name__)

EMBEDDED_KEYS_WARNING = """
************************************************************************************
  EMBEDDED DEFAULT: generated new keys in %s
  This single process holds every key, the private ones included. That is fine on a
  laptop and wrong for a real service: provision keys per process (see README).
************************************************************************************"""


def open_keys(settings: Settings, role: Role | None) -> KeyStore:
    """Embedded: generate what is missing, loudly. Production: use what was provisioned.

    A production process started with its `role` refuses a key folder holding any file that role
    must not hold (ForbiddenKeyFile names them). `role` is None only for the admin commands,
    which run on a trusted machine and read just the files they need.
    """
    if settings.embedded:
        keys = KeyStore.generate(settings.keys_dir)
        if keys.created:
            log.warning(EMBEDDED_KEYS_WARNING, settings.keys_dir)
        return keys
    keys = KeyStore(settings.keys_dir)
    if role is not None:
        keys.check_role(role)
    return keys


def make_redis(settings: Settings) -> redis.Redis | None:
    """A client with timeouts short enough for a USSD hop; None in the embedded default."""
    if settings.redis_url is None:
        return None
    return redis.Redis.from_url(
        settings.redis_url, socket_timeout=2.0, socket_connect_timeout=1.0, health_check_interval=30
    )


@dataclass(frozen=True)
class Database:
    """An engine and its sessions; the embedded default brings its schema up to date."""

    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    settings: Settings,
    timeouts: DatabaseTimeouts = HOP_TIMEOUTS,
    *,
    audit_signer: AuditSigner | None = None,
) -> Database:
    """SQL for one process: connections time out (short by default: a USSD hop is waiting), and
    its audit entries are sealed with `audit_signer` (docs/audit.md)."""
    if settings.embedded:
        prepare_home(settings)
    engine = make_engine(settings.database_url, timeouts)
    if settings.embedded:
        upgrade_schema(engine)
    return Database(engine, make_sessionmaker(engine, audit_signer=audit_signer))


def prepare_home(settings: Settings) -> None:
    """Make the instance folder 0700 and the SQLite file 0600 before SQLite creates it.

    SQLite creates its journal and WAL files with the database file's mode, so they follow.
    """
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(settings.home, 0o700)
    database_file = sqlite_file(settings.database_url)
    if database_file is not None:
        database_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(database_file, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(database_file, 0o600)


def sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///path` URL; None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix) :] in ("", ":memory:"):
        return None
    return Path(url[len(prefix) :].split("?", 1)[0])
