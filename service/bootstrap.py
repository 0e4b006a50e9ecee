"""Composition roots: build each process's parts from Settings, once. Nothing connects at import."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import (
    ContactSealer,
    KeyStore,
    Pseudonymiser,
    ReportSealer,
    SecretHasher,
    StateCipher,
    random_case_digits,
)
from flows import Bundle, load_bundle, render_ussd, system_screen
from service.clock import utcnow
from service.intake.callers import CallerPseudonyms
from service.intake.counters import Counters
from service.intake.reports import Intake
from service.intake.status_check import StatusChecker
from service.intake.ussd import UssdReply, UssdService
from service.messaging.inbox import SmsInbox, build_sms_inbox
from service.queueing.job_queue import InProcessJobQueue, JobQueue, RqJobQueue
from service.queueing.outbox import Dispatcher
from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema
from service.storage.kv import KeyValueStore, MemoryStore, RedisStore

log = logging.getLogger(__name__)

EMBEDDED_KEYS_WARNING = """
************************************************************************************
  EMBEDDED DEFAULT: generated new keys in %s
  This single process holds every key, the private ones included. That is fine on a
  laptop and wrong for a real service: provision keys per process (see README).
************************************************************************************"""


@dataclass
class WebContainer:
    """Everything the web process needs, built once at start."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: KeyValueStore
    bundle: Bundle
    counters: Counters
    dispatcher: Dispatcher
    ussd: UssdService
    sms_inbox: SmsInbox
    queue: JobQueue
    redis_client: redis.Redis | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def close(self) -> None:
        """Release connections and stop in-process jobs (tests, clean shutdown)."""
        stop = getattr(self.queue, "stop", None)
        if callable(stop):
            stop()
        if self.redis_client is not None:
            self.redis_client.close()
        self.engine.dispose()

    def bad_request_reply(self) -> UssdReply:
        return UssdReply(render_ussd(self.bundle, "pt", system_screen("sys.bad_request")), True)

    def try_again_reply(self) -> UssdReply:
        return UssdReply(render_ussd(self.bundle, "pt", system_screen("sys.try_again")), True)


def open_keys(settings: Settings) -> KeyStore:
    """Embedded: generate what is missing, loudly. Production: use what was provisioned."""
    if settings.embedded:
        keys = KeyStore.generate(settings.keys_dir)
        if keys.created:
            log.warning(EMBEDDED_KEYS_WARNING, settings.keys_dir)
        return keys
    return KeyStore(settings.keys_dir)


def make_redis(settings: Settings) -> redis.Redis | None:
    if settings.redis_url is None:
        return None
    return redis.Redis.from_url(
        settings.redis_url, socket_timeout=2.0, socket_connect_timeout=1.0, health_check_interval=30
    )


def build_web(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> WebContainer:
    """Build the web process (and, in the embedded default, its in-process worker)."""
    engine = make_engine(settings.database_url)
    if settings.embedded:
        settings.home.mkdir(parents=True, exist_ok=True)
        upgrade_schema(engine)
    keys = open_keys(settings)
    # Officers' SMS commands append to the audit chain in the web's name (docs/audit.md).
    sessions = make_sessionmaker(engine, audit_signer=keys.audit_signer("web"))
    secrets = keys.secrets()
    hasher = SecretHasher(secrets.code_key, secrets.officer_key)
    cipher = StateCipher(secrets.session_key)
    redis_client = make_redis(settings)
    store: KeyValueStore = RedisStore(redis_client) if redis_client else MemoryStore()
    queue: JobQueue
    if redis_client is not None:
        queue = RqJobQueue(redis_client)
    else:
        queue = InProcessJobQueue(clock)
        _run_jobs_in_process(settings, queue, clock)
    dispatcher = Dispatcher(queue, sessions, clock)
    bundle = load_bundle()
    counters = Counters(sessions, clock)
    intake = Intake(
        sessions,
        ReportSealer(keys.report_public()),
        ContactSealer(keys.contact_public()),
        cipher,
        hasher,
        random_case_digits,
        # With rq, the worker's relay enqueues new cases' jobs: the web's commit is its last step.
        relayed=redis_client is not None,
    )
    status = StatusChecker(
        sessions,
        hasher,
        store,
        settings.limits.status_misses_before_lock,
        settings.limits.status_lock_seconds,
    )
    # One way a number becomes a daily pseudonym, shared by USSD and SMS (one guess budget).
    callers = CallerPseudonyms(
        Pseudonymiser(secrets.pseudonym_pepper), settings.limits.pseudonym_period_seconds, clock
    )
    ussd = UssdService(
        bundle,
        store,
        cipher,
        callers,
        hasher,
        intake,
        status,
        dispatcher,
        settings.limits,
        clock,
    )
    sms_inbox = build_sms_inbox(
        sessions,
        keys,
        hasher,
        cipher,
        status,
        dispatcher,
        queue,
        store,
        counters,
        clock,
        callers,
    )
    return WebContainer(
        settings=settings,
        engine=engine,
        sessions=sessions,
        store=store,
        bundle=bundle,
        counters=counters,
        dispatcher=dispatcher,
        ussd=ussd,
        sms_inbox=sms_inbox,
        queue=queue,
        redis_client=redis_client,
    )


def _run_jobs_in_process(
    settings: Settings, queue: JobQueue, clock: Callable[[], datetime]
) -> None:
    """The embedded default: this one process is also the worker (it holds every key)."""
    from workers.context import build_worker, install

    install(build_worker(settings, queue=queue, clock=clock))
    # Sweep what an earlier run left behind; the job books its own next run.
    queue.enqueue("workers.jobs.run_maintenance")
