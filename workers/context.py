"""The worker process's composition root, built once per process from the environment."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import ContactOpener, ContactSealer, KeyStore
from service.bootstrap import make_redis, open_keys
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
from service.storage.engine import make_engine, make_sessionmaker


@dataclass
class WorkerContext:
    """What jobs need: SQL, the worker's keys, the queue for follow-ups, a clock, an SMS gateway."""

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


_current: WorkerContext | None = None
_guard = threading.Lock()


def build_worker(
    settings: Settings,
    *,
    queue: JobQueue | None = None,
    clock: Callable[[], datetime] = utcnow,
    gateway: SmsGateway | None = None,
) -> WorkerContext:
    """Build the worker's parts; `queue` is given in the embedded default (one process)."""
    engine = make_engine(settings.database_url)
    if queue is None:
        connection = make_redis(settings)
        if connection is None:
            raise RuntimeError("a separate worker process needs REDIS_URL")
        queue = RqJobQueue(connection)
    keys = open_keys(settings)
    return WorkerContext(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine, audit_signer=keys.audit_signer("worker")),
        keys=keys,
        queue=queue,
        clock=clock,
        gateway=gateway or make_gateway(settings, clock),
        opener=ContactOpener(keys.contact_private()),
        sealer=ContactSealer(keys.contact_public()),
        texts=load_texts(),
    )


def install(context: WorkerContext | None) -> None:
    """Make `context` the one jobs use in this process (the embedded default, tests)."""
    global _current
    with _guard:
        _current = context


def current() -> WorkerContext:
    """The process's context, built from the environment on first use (rq worker processes)."""
    global _current
    with _guard:
        if _current is None:
            _current = build_worker(Settings.from_env(os.environ, serves_callbacks=False))
        return _current
