"""The worker process's composition root: the contact private key, the SMS gateway, the queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import ContactOpener, ContactSealer, KeyStore
from service.bootstrap.parts import make_redis, open_database, open_keys
from service.casework.assignment import AckDeadlines
from service.casework.texts import SmsTexts, load_texts
from service.clock import utcnow
from service.messaging.delivery import RetryPolicy
from service.messaging.dispatch import SmsDispatcher
from service.messaging.factory import make_gateway
from service.messaging.gateway import SmsGateway
from service.messaging.outbound import OutboundWriter
from service.queueing.job_queue import JobQueue, RqJobQueue
from service.queueing.outbox import Dispatcher


@dataclass
class WorkerContext:
    """What jobs need (it satisfies `service.casework.context.CaseworkContext`)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keys: KeyStore
    queue: JobQueue
    clock: Callable[[], datetime]
    gateway: SmsGateway
    # The contact private key: opens reporters' and officers' numbers, case codes, SMS rows.
    opener: ContactOpener
    sealer: ContactSealer
    texts: SmsTexts
    deadlines: AckDeadlines = field(default_factory=AckDeadlines)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def outbound(self) -> OutboundWriter:
        return OutboundWriter(self.sealer, self.clock)

    @property
    def sms(self) -> SmsDispatcher:
        return SmsDispatcher(self.queue, self.sessions, self.clock)

    @property
    def outbox(self) -> Dispatcher:
        return Dispatcher(self.queue, self.sessions, self.clock)


def build_worker(
    settings: Settings,
    *,
    queue: JobQueue | None = None,
    clock: Callable[[], datetime] = utcnow,
    gateway: SmsGateway | None = None,
) -> WorkerContext:
    """Build the worker's parts; `queue` is given in the embedded default (one process)."""
    if queue is None:
        connection = make_redis(settings)
        if connection is None:
            raise RuntimeError("a separate worker process needs REDIS_URL")
        queue = RqJobQueue(connection)
    keys = open_keys(settings)
    database = open_database(settings, audit_signer=keys.audit_signer("worker"))
    return WorkerContext(
        settings=settings,
        engine=database.engine,
        sessions=database.sessions,
        keys=keys,
        queue=queue,
        clock=clock,
        gateway=gateway or make_gateway(settings, clock),
        opener=ContactOpener(keys.contact_private()),
        sealer=ContactSealer(keys.contact_public()),
        texts=load_texts(),
    )
