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
from service.casework.sms_commands import default_reporter_keywords
from service.casework.sms_inbox import SmsInbox
from service.clock import utcnow
from service.intake.callers import CallerPseudonyms
from service.intake.counters import Counters
from service.intake.reports import Intake
from service.intake.status_check import StatusChecker
from service.intake.ussd import UssdReply, UssdService
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
    keys = open_keys(settings, "web")
    # Whatever the web appends to the audit chain is sealed in its own name (docs/audit.md).
    database = open_database(settings, audit_signer=keys.audit_signer("web"))
    sessions = database.sessions
    hasher = SecretHasher(keys.code_key())
    cipher = StateCipher(keys.session_key())
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
        _run_jobs_in_process(settings, in_process, store, clock)
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
        Pseudonymiser(keys.pseudonym_pepper()), settings.limits.pseudonym_period_seconds, clock
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
    default_reporter_keywords()  # a broken keyword file stops the start, not the first SMS
    # Inbound SMS are stored sealed for the worker, which matches senders: no number key here.
    sms_inbox = SmsInbox(
        sessions=sessions,
        sealer=contact_sealer,
        dispatcher=dispatcher,
        counters=counters,
        clock=clock,
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
    settings: Settings,
    queue: InProcessJobQueue,
    store: KeyValueStore,
    clock: Callable[[], datetime],
) -> None:
    """The embedded default: this one process is also the worker (it holds every key)."""
    from service.bootstrap.worker import build_worker
    from workers.context import install

    install(build_worker(settings, queue=queue, clock=clock, store=store))
    # Sweep what an earlier run left behind; the job books its own next run.
    queue.enqueue("workers.jobs.run_maintenance")
