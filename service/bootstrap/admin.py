"""The admin commands' composition root: SQL, the officer registry, and a way to enqueue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import AuditSigner, ContactSealer, KeyFileMissing, KeyStore, SecretHasher
from service.bootstrap.parts import make_redis, open_database, open_keys
from service.casework.officers import OfficerRegistry
from service.clock import utcnow
from service.queueing.job_queue import RqJobQueue
from service.queueing.outbox import Dispatcher


@dataclass(frozen=True)
class AdminParts:
    """What `handsoff officer|messages` need; built per command, closed when it ends."""

    settings: Settings
    sessions: sessionmaker[Session]

    def registry(self) -> OfficerRegistry:
        """The registry holds the number-digest key and the contact public key only."""
        keys = open_keys(self.settings)
        secrets = keys.secrets()
        return OfficerRegistry(
            self.sessions,
            SecretHasher(secrets.code_key, secrets.officer_key),
            ContactSealer(keys.contact_public()),
            utcnow,
        )

    def dispatch(self, outbox_ids: list[int]) -> None:
        """Enqueue now when Redis is configured; otherwise the service's sweep picks them up."""
        connection = make_redis(self.settings)
        if not outbox_ids or connection is None:
            return
        try:
            Dispatcher(RqJobQueue(connection), self.sessions, utcnow).enqueue(outbox_ids)
        finally:
            connection.close()


def _admin_signer(keys: KeyStore) -> AuditSigner:
    """The audit key officer changes are sealed with: the desk's where it is, else the web's."""
    try:
        return keys.audit_signer("desk")
    except KeyFileMissing:
        return keys.audit_signer("web")


@contextmanager
def build_admin(settings: Settings) -> Iterator[AdminParts]:
    database = open_database(settings, audit_signer=_admin_signer(open_keys(settings)))
    try:
        yield AdminParts(settings, database.sessions)
    finally:
        database.close()
