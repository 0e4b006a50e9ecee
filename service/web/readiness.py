"""`/readyz`: can this process reach PostgreSQL and Redis? For load balancers and monitoring."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import Blueprint, Response, current_app
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

readiness = Blueprint("readiness", __name__)

# Anyone may ask, without a token: answers are reused this long, so a flood of /readyz costs
# the database and Redis one check per second per process, never one per request.
CHECK_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class Readiness:
    """What the last check found; `failing` names the parts that did not answer."""

    failing: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.failing


class ReadinessProbe:
    """Check SQL (`SELECT 1`) and Redis (`PING`), at most once per interval, one check at a time."""

    def __init__(
        self,
        engine: Engine,
        redis_client: redis.Redis | None,
        *,
        interval: float = CHECK_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._redis = redis_client
        self._interval = interval
        self._monotonic = monotonic
        self._guard = threading.Lock()
        self._last: tuple[float, Readiness] | None = None

    def check(self) -> Readiness:
        with self._guard:
            now = self._monotonic()
            if self._last is not None and now - self._last[0] < self._interval:
                return self._last[1]
            found = Readiness(tuple(name for name, ok in self._parts() if not ok))
            self._last = (self._monotonic(), found)
            return found

    def _parts(self) -> list[tuple[str, bool]]:
        parts = [("database", self._database_answers())]
        if self._redis is not None:
            parts.append(("redis", self._redis_answers(self._redis)))
        return parts

    def _database_answers(self) -> bool:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError as error:
            log.warning("readiness: database unreachable (%s)", type(error).__name__)
            return False

    @staticmethod
    def _redis_answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError as error:
            log.warning("readiness: Redis unreachable (%s)", type(error).__name__)
            return False


@readiness.get("/readyz")
def readyz() -> Response:
    """200 when every backing service answers; 503 naming the parts that do not."""
    probe: ReadinessProbe = current_app.extensions["handsoff.readiness"]
    found = probe.check()
    if found.ready:
        return Response("ready\n", mimetype="text/plain")
    body = "not ready: " + ", ".join(found.failing) + "\n"
    return Response(body, status=503, mimetype="text/plain")
