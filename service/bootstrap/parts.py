"""Parts every process builds the same way: keys, SQL, Redis, the job queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import AuditSigner, KeyStore
from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema

log = logging.getLogger(__name__)

EMBEDDED_KEYS_WARNING = """
************************************************************************************
  EMBEDDED DEFAULT: generated new keys in %s
  This single process holds every key, the private ones included. That is fine on a
  laptop and wrong for a real service: provision keys per process (see README).
************************************************************************************"""


def open_keys(settings: Settings) -> KeyStore:
    """Embedded: generate what is missing, loudly. Production: use what was provisioned."""
    if settings.embedded:
        keys = KeyStore.generate(settings.keys_dir)
        if keys.created:
            log.warning(EMBEDDED_KEYS_WARNING, settings.keys_dir)
        return keys
    return KeyStore(settings.keys_dir)


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


def open_database(settings: Settings, *, audit_signer: AuditSigner | None = None) -> Database:
    """`audit_signer` is this process's audit key: its sessions seal audit entries with it."""
    engine = make_engine(settings.database_url)
    if settings.embedded:
        settings.home.mkdir(parents=True, exist_ok=True)
        upgrade_schema(engine)
    return Database(engine, make_sessionmaker(engine, audit_signer=audit_signer))
