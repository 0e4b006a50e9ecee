"""Job queues behind one port: rq on Redis in production, a thread in the embedded default."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

import redis
from rq import Queue
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

QUEUE_NAME = "handsoff"
OUTBOX_JOB = "workers.jobs.run_outbox_job"


class RqJobQueue:
    """Enqueue outbox ids (ids only, JSON) by dotted name, so the web never imports job code."""

    def __init__(self, connection: redis.Redis) -> None:
        self._queue = Queue(QUEUE_NAME, connection=connection, serializer=JSONSerializer)

    @property
    def rq_queue(self) -> Queue:
        return self._queue

    def enqueue_outbox(self, outbox_id: int) -> None:
        self._queue.enqueue(
            OUTBOX_JOB,
            outbox_id,
            job_id=f"outbox-{outbox_id}",
            result_ttl=3600,
            failure_ttl=7 * 86400,
        )


class InProcessJobQueue:
    """Run outbox jobs one at a time on a background thread (the embedded default)."""

    def __init__(self, run: Callable[[int], None]) -> None:
        self._run = run
        self._pending: queue.Queue[int | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="handsoff-jobs", daemon=True)
        self._thread.start()

    def enqueue_outbox(self, outbox_id: int) -> None:
        self._pending.put(outbox_id)

    def join(self) -> None:
        """Wait until every job queued so far has run (for tests and a clean shutdown)."""
        self._pending.join()

    def stop(self) -> None:
        self._pending.put(None)

    def _loop(self) -> None:
        while True:
            outbox_id = self._pending.get()
            try:
                if outbox_id is None:
                    return
                self._run(outbox_id)
            except Exception:
                log.exception("outbox job failed; the sweeper will retry it")
            finally:
                self._pending.task_done()
