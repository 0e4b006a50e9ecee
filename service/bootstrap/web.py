"""The web process's composition root: webhooks with public keys and secrets only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import (
    ContactSealer,
    Pseudonymiser,
    ReportSealer,
    SecretHasher,
    StateCipher,
    random_case_digits,
)
from flows import Bundle, load_bundle, render_ussd, system_screen
from service.bootstrap.parts import make_redis, open_database, open_keys
from service.casework.officer_commands import OfficerCommands
from service.casework.reporter_commands import ReporterCommands
from service.casework.sms_inbox import SmsInbox
from service.casework.texts import load_texts
from service.clock import utcnow
from service.intake.callers import CallerPseudonyms
from service.intake.counters import Counters
from service.intake.reports import Intake
from service.intake.status_check import StatusChecker
from service.intake.ussd import UssdReply, UssdService
from service.messaging.dispatch import SmsDispatcher
from service.messaging.outbound import OutboundWriter
from service.queueing.job_queue import InProcessJobQueue, JobQueue, RqJobQueue
from service.queueing.outbox import Dispatcher
from service.storage.kv import KeyValueStore, MemoryStore, RedisStore


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
    intake: Intake
    ussd: UssdService
    sms_inbox: SmsInbox
    queue: JobQueue
    redis_client: redis.Redis | None = None
    # The embedded default's in-process worker, stopped with the container.
    stop_jobs: Callable[[], None] | None = None

    def close(self) -> None:
        """Release connections and stop in-process jobs (tests, clean shutdown)."""
        if self.stop_jobs is not None:
            self.stop_jobs()
        if self.redis_client is not None:
            self.redis_client.close()
        self.engine.dispose()

    def bad_request_reply(self) -> UssdReply:
        return UssdReply(render_ussd(self.bundle, "pt", system_screen("sys.bad_request")), True)

    def try_again_reply(self) -> UssdReply:
        return UssdReply(render_ussd(self.bundle, "pt", system_screen("sys.try_again")), True)


def build_web(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> WebContainer:
    """Build the web process (and, in the embedded default, its in-process worker)."""
    keys = open_keys(settings)
    # Officers' SMS commands append to the audit chain in the web's name (docs/audit.md).
    database = open_database(settings, audit_signer=keys.audit_signer("web"))
    sessions = database.sessions
    secrets = keys.secrets()
    hasher = SecretHasher(secrets.code_key, secrets.officer_key)
    cipher = StateCipher(secrets.session_key)
    report_sealer = ReportSealer(keys.report_public())
    contact_sealer = ContactSealer(keys.contact_public())
    redis_client = make_redis(settings)
    store: KeyValueStore = RedisStore(redis_client) if redis_client else MemoryStore()
    queue: JobQueue
    stop_jobs: Callable[[], None] | None = None
    if redis_client is not None:
        queue = RqJobQueue(redis_client)
    else:
        in_process = InProcessJobQueue(clock)
        _run_jobs_in_process(settings, in_process, clock)
        queue, stop_jobs = in_process, in_process.stop
    dispatcher = Dispatcher(queue, sessions, clock)
    counters = Counters(sessions, clock)
    intake = Intake(
        sessions=sessions,
        report_sealer=report_sealer,
        contact_sealer=contact_sealer,
        state_cipher=cipher,
        hasher=hasher,
        random_digits=random_case_digits,
        # With rq, the worker's relay enqueues new cases' jobs: the web's commit is its last step.
        relayed=redis_client is not None,
    )
    status = StatusChecker(
        sessions=sessions,
        hasher=hasher,
        store=store,
        misses_before_lock=settings.limits.status_misses_before_lock,
        lock_seconds=settings.limits.status_lock_seconds,
    )
    # One way a number becomes a daily pseudonym, shared by USSD and SMS (one guess budget).
    callers = CallerPseudonyms(
        Pseudonymiser(secrets.pseudonym_pepper), settings.limits.pseudonym_period_seconds, clock
    )
    bundle = load_bundle()
    ussd = UssdService(
        bundle=bundle,
        store=store,
        cipher=cipher,
        callers=callers,
        hasher=hasher,
        intake=intake,
        status=status,
        dispatcher=dispatcher,
        limits=settings.limits,
        clock=clock,
    )
    texts = load_texts()
    sms_inbox = SmsInbox(
        sessions=sessions,
        hasher=hasher,
        officer_commands=OfficerCommands(
            hasher=hasher,
            state_cipher=cipher,
            report_sealer=report_sealer,
            texts=texts,
            clock=clock,
        ),
        reporter_commands=ReporterCommands(
            hasher=hasher,
            report_sealer=report_sealer,
            contact_sealer=contact_sealer,
            status=status,
            texts=texts,
            clock=clock,
            callers=callers,
        ),
        outbound=OutboundWriter(contact_sealer, clock),
        dispatcher=dispatcher,
        sms=SmsDispatcher(queue, sessions, clock),
        store=store,
        counters=counters,
        clock=clock,
        callers=callers,
    )
    return WebContainer(
        settings=settings,
        engine=database.engine,
        sessions=sessions,
        store=store,
        bundle=bundle,
        counters=counters,
        dispatcher=dispatcher,
        intake=intake,
        ussd=ussd,
        sms_inbox=sms_inbox,
        queue=queue,
        redis_client=redis_client,
        stop_jobs=stop_jobs,
    )


def _run_jobs_in_process(
    settings: Settings, queue: InProcessJobQueue, clock: Callable[[], datetime]
) -> None:
    """The embedded default: this one process is also the worker (it holds every key)."""
    from service.bootstrap.worker import build_worker
    from workers.context import install

    install(build_worker(settings, queue=queue, clock=clock))
    # Sweep what an earlier run left behind; the job books its own next run.
    queue.enqueue("workers.jobs.run_maintenance")
