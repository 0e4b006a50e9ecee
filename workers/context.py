"""The worker process's composition root, built once per process from the environment."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import KeyStore
from service.bootstrap import make_redis, open_keys
from service.clock import utcnow
from service.db.engine import make_engine, make_sessionmaker
from service.queueing import JobQueue, RqJobQueue


@dataclass
class WorkerContext:
    """What jobs need: SQL, the worker's keys, the queue for follow-up jobs, a clock."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keys: KeyStore
    queue: JobQueue
    clock: Callable[[], datetime]


_current: WorkerContext | None = None
_guard = threading.Lock()


def build_worker(
    settings: Settings, *, queue: JobQueue | None = None, clock: Callable[[], datetime] = utcnow
) -> WorkerContext:
    """Build the worker's parts; `queue` is given in the embedded default (one process)."""
    engine = make_engine(settings.database_url)
    if queue is None:
        connection = make_redis(settings)
        if connection is None:
            raise RuntimeError("a separate worker process needs REDIS_URL")
        queue = RqJobQueue(connection)
    return WorkerContext(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        keys=open_keys(settings),
        queue=queue,
        clock=clock,
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
            _current = build_worker(Settings.from_env(os.environ))
        return _current
