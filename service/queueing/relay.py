"""The worker's outbox relay: enqueue the rows the web left waiting, as soon as they are written.

The web's intake commits a case with its outbox row left waiting and does no queue work (see
`service/queueing/outbox.py`). On PostgreSQL an insert trigger sends a NOTIFY (migration 0003),
which wakes the relay at once; it also looks every `poll_seconds` whatever happens, so a notice
missed while it was reconnecting (or a database without NOTIFY) delays a row by seconds, never
loses it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg import sql
from sqlalchemy import Engine

from service.queueing.outbox import Dispatcher

log = logging.getLogger(__name__)

CHANNEL = "handsoff_outbox"  # the trigger of migration 0003 notifies it
STOP_CHECK_SECONDS = 0.5


class OutboxRelay:
    """Runs on a thread of `handsoff worker`; several workers may each run one."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        engine: Engine,
        *,
        poll_seconds: float = 2.0,
        retry_seconds: float = 2.0,
        listen: bool | None = None,
        connect: Callable[[], psycopg.Connection[tuple[object, ...]]] | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._poll_seconds = poll_seconds
        self._retry_seconds = retry_seconds
        # Only PostgreSQL has notices; elsewhere (or when told not to listen) the relay polls.
        self._listens = engine.dialect.name == "postgresql" if listen is None else listen
        self._connect = connect or (lambda: _listening_connection(engine))

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set; database or queue failures are logged and waited out."""
        while not stop.is_set():
            if not self._listens:
                self._relay(stop)
                stop.wait(self._poll_seconds)
                continue
            try:
                with self._connect() as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    while not stop.is_set():
                        self._relay(stop)
                        self._wait_for_notice(connection, stop)
            except Exception as error:  # Never die: without the relay, jobs wait for the sweep.
                log.warning("outbox relay lost its connection (%s); retrying", type(error).__name__)
                stop.wait(self._retry_seconds)

    def _wait_for_notice(
        self, connection: psycopg.Connection[tuple[object, ...]], stop: threading.Event
    ) -> None:
        """Return on the first notice, at the poll time, or soon after `stop` is set.

        Notices that came with the first are taken too: one read serves a burst of reports.
        """
        deadline = time.monotonic() + self._poll_seconds
        while not stop.is_set() and time.monotonic() < deadline:
            heard = list(connection.notifies(timeout=STOP_CHECK_SECONDS, stop_after=1))
            if heard:
                list(connection.notifies(timeout=0.01))  # the rest of a burst, if any
                return

    def _relay(self, stop: threading.Event) -> None:
        try:
            # Between batches it looks at `stop`: a worker shutting down waits for one batch.
            self._dispatcher.relay_waiting(stopping=stop.is_set)
        except Exception as error:  # The relay loop is an edge: the next wake-up tries again.
            log.warning("outbox relay could not read the outbox (%s)", type(error).__name__)


def _listening_connection(engine: Engine) -> psycopg.Connection[tuple[object, ...]]:
    """A connection of its own, outside the pool: LISTEN lasts as long as the connection."""
    # Keyword arguments, not a URI: libpq reads a "+" in a URI literally, and the engine's
    # options (search path, timeouts) are separated by spaces.
    url = engine.url
    params: dict[str, object] = dict(url.translate_connect_args(username="user", database="dbname"))
    params.update(url.query)
    # psycopg types each keyword argument narrower than a dict of them can say.
    return psycopg.connect(autocommit=True, **params)  # type: ignore[arg-type]  # see above


def start_relay(relay: OutboxRelay) -> tuple[threading.Thread, threading.Event]:
    """Run the relay on a daemon thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), name="outbox-relay", daemon=True)
    thread.start()
    return thread, stop
