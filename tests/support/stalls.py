"""Ways to make PostgreSQL stall or vanish for a test, with nothing faked on our side."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

# The aggregator ends a USSD session whose reply takes longer than about this (docs/domain.md).
AGGREGATOR_PATIENCE_SECONDS = 10.0


@contextmanager
def cases_table_locked(database_url: str) -> Iterator[None]:
    """Hold an ACCESS EXCLUSIVE lock on `cases`: every read or write of it waits."""
    with psycopg.connect(database_url) as holder:
        holder.execute("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.rollback()


@contextmanager
def case_inserts_sleep(database_url: str, seconds: int = 60) -> Iterator[None]:
    """A trigger that makes every INSERT into `cases` sleep (a database too slow to answer)."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(
            "CREATE FUNCTION stall_insert() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN PERFORM pg_sleep({int(seconds)}); RETURN NEW; END $$"
        )
        admin.execute(
            "CREATE TRIGGER stall BEFORE INSERT ON cases "
            "FOR EACH ROW EXECUTE FUNCTION stall_insert()"
        )
        try:
            yield
        finally:
            admin.execute("DROP TRIGGER stall ON cases")
            admin.execute("DROP FUNCTION stall_insert()")


def statements_still_running(database_url: str, fragment: str) -> list[str]:
    """Queries of other connections, still active, whose text contains `fragment`."""
    with psycopg.connect(database_url, autocommit=True) as probe:
        rows = probe.execute(
            "SELECT query FROM pg_stat_activity WHERE state = 'active' "
            "AND pid <> pg_backend_pid() AND query ILIKE %s",
            (f"%{fragment}%",),
        ).fetchall()
    return [str(row[0]) for row in rows]


class Blackhole:
    """A TCP port that accepts connections and never says a word (a hung server).

    `accepted` counts the connections made to it: a test can prove none was attempted.
    """

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Blackhole:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for held in self._held:
            held.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            self._held.append(connection)
