"""The worker process's composition root: the contact private key, the number key, the SMS
gateway, the queue, and the inbound SMS commands (which match senders with the number key)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import (
    ContactOpener,
    ContactSealer,
    KeyStore,
    NumberHasher,
    Pseudonymiser,
    ReportSealer,
    SecretHasher,
)
from service.bootstrap.parts import make_redis, open_database, open_keys
from service.casework.assignment import AckDeadlines
from service.casework.inbound_commands import InboundCommands
from service.casework.officer_commands import OfficerCommands
from service.casework.reporter_commands import ReporterCommands
from service.casework.texts import SmsTexts, load_texts
from service.clock import utcnow
from service.intake.callers import CallerPseudonyms
from service.intake.counters import Counters
from service.intake.status_check import StatusChecker
from service.messaging.delivery import DrainPolicy, RetryPolicy
from service.messaging.dispatch import SmsDispatcher
from service.messaging.factory import make_gateway
from service.messaging.gateway import SmsGateway
from service.messaging.outbound import OutboundWriter
from service.queueing.job_queue import JobQueue, RqJobQueue
from service.queueing.outbox import Dispatcher
from service.storage.engine import WORKER_TIMEOUTS
from service.storage.kv import KeyValueStore, MemoryStore, RedisStore


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
    # The number key: lasting digests of numbers, to match senders (docs/privacy.md).
    numbers: NumberHasher
    # Inbound SMS, stored sealed by the web: matched and run here.
    inbound: InboundCommands
    texts: SmsTexts
    deadlines: AckDeadlines = field(default_factory=AckDeadlines)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    drain: DrainPolicy = field(default_factory=DrainPolicy)

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
    store: KeyValueStore | None = None,
) -> WorkerContext:
    """Build the worker's parts; `queue` and `store` are the web's in the embedded default."""
    if queue is None or store is None:
        connection = make_redis(settings)
        if connection is None:
            if queue is None:
                raise RuntimeError("a separate worker process needs REDIS_URL")
            store = store or MemoryStore()
        else:
            queue = queue or RqJobQueue(connection)
            store = store or RedisStore(connection)
    keys = open_keys(settings, "worker")
    database = open_database(settings, WORKER_TIMEOUTS, audit_signer=keys.audit_signer("worker"))
    opener = ContactOpener(keys.contact_private())
    sealer = ContactSealer(keys.contact_public())
    numbers = NumberHasher(keys.number_pepper())
    texts = load_texts()
    inbound = _inbound_commands(
        settings,
        sessions=database.sessions,
        keys=keys,
        opener=opener,
        sealer=sealer,
        numbers=numbers,
        texts=texts,
        queue=queue,
        store=store,
        clock=clock,
    )
    return WorkerContext(
        settings=settings,
        engine=database.engine,
        sessions=database.sessions,
        keys=keys,
        queue=queue,
        clock=clock,
        gateway=gateway or make_gateway(settings, clock),
        opener=opener,
        sealer=sealer,
        numbers=numbers,
        inbound=inbound,
        texts=texts,
        drain=DrainPolicy(batch=settings.sms_batch),
    )


def _inbound_commands(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    keys: KeyStore,
    opener: ContactOpener,
    sealer: ContactSealer,
    numbers: NumberHasher,
    texts: SmsTexts,
    queue: JobQueue,
    store: KeyValueStore,
    clock: Callable[[], datetime],
) -> InboundCommands:
    """Officer and reporter SMS commands with the worker's keys (no session key, no private
    report key: notes and free text are sealed to the desk)."""
    report_sealer = ReportSealer(keys.report_public())
    hasher = SecretHasher(keys.code_key())
    # The web's pseudonyms, so USSD and SMS share one guess budget per number.
    callers = CallerPseudonyms(
        Pseudonymiser(keys.pseudonym_pepper()), settings.limits.pseudonym_period_seconds, clock
    )
    status = StatusChecker(
        sessions=sessions,
        hasher=hasher,
        store=store,
        misses_before_lock=settings.limits.status_misses_before_lock,
        lock_seconds=settings.limits.status_lock_seconds,
    )
    return InboundCommands(
        sessions=sessions,
        opener=opener,
        numbers=numbers,
        officer_commands=OfficerCommands(
            hasher=hasher, opener=opener, report_sealer=report_sealer, texts=texts, clock=clock
        ),
        reporter_commands=ReporterCommands(
            numbers=numbers,
            report_sealer=report_sealer,
            contact_sealer=sealer,
            status=status,
            texts=texts,
            clock=clock,
            callers=callers,
        ),
        outbound=OutboundWriter(sealer, clock),
        dispatcher=Dispatcher(queue, sessions, clock),
        sms=SmsDispatcher(queue, sessions, clock),
        store=store,
        counters=Counters(sessions, clock),
        callers=callers,
    )
