"""Job queues behind one port: rq on Redis in production, a thread in the embedded default.

Jobs are named by dotted path (`workers.jobs.send_sms`) and take ids only, JSON-serialised, so
the web process never imports job code and a payload never carries content.
"""

from __future__ import annotations

import heapq
import importlib
import itertools
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

import redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

QUEUE_NAME = "handsoff"
# Jobs that must not wait behind a backlog: an officer's alert, a reporter's update, an
# acknowledgement deadline. A worker takes from this queue first (QUEUE_NAMES is its order).
URGENT_QUEUE_NAME = "handsoff-urgent"
URGENT_JOBS = frozenset({"workers.jobs.send_sms", "workers.jobs.check_ack_deadline"})
# Work that may wait for every other queue to be empty: a PIN's 75 ms scrypt must never hold an
# alert or an assignment behind it during a wave of reports.
LOW_QUEUE_NAME = "handsoff-low"
LOW_JOBS = frozenset({"workers.jobs.stretch_pin"})
QUEUE_NAMES = (URGENT_QUEUE_NAME, QUEUE_NAME, LOW_QUEUE_NAME)
OUTBOX_JOB = "workers.jobs.run_outbox_job"
JobArg = int | str


class QueueUnavailable(Exception):
    """The queue could not be reached (Redis down); the row waits in SQL for the sweep."""


@contextmanager
def _unavailable_on_redis_error() -> Iterator[None]:
    """Turn Redis's errors into the port's one error, so callers never import redis."""
    try:
        yield
    except RedisError as error:
        raise QueueUnavailable(type(error).__name__) from error


class JobQueue(Protocol):
    """Where jobs go to be run, now or at a time; QueueUnavailable when it cannot be reached."""

    def enqueue(self, job: str, *args: JobArg, job_id: str | None = None) -> None: ...
    def enqueue_at(
        self, when: datetime, job: str, *args: JobArg, job_id: str | None = None
    ) -> None: ...
    def enqueue_outbox(self, outbox_id: int) -> None: ...
    def still_queued(self, job_ids: Sequence[str]) -> set[str]: ...
    def withdraw(self, job: str, job_ids: Sequence[str]) -> set[str]: ...


# Take jobs back that no worker has taken yet: off the queue's list, and their record deleted in
# the same step, so a worker can never start a job whose record is gone. KEYS: the list, then
# each job's record; ARGV: the job ids. Returns the ids taken back.
_WITHDRAW = """
local taken = {}
for i, job_id in ipairs(ARGV) do
  if redis.call('LREM', KEYS[1], 1, job_id) == 1 then
    redis.call('DEL', KEYS[i + 1])
    taken[#taken + 1] = job_id
  end
end
return taken
"""


class RqJobQueue:
    """rq on Redis; deadlines need `rq worker --with-scheduler` (`handsoff worker`)."""

    def __init__(self, connection: redis.Redis) -> None:
        self._queues = {
            name: Queue(name, connection=connection, serializer=JSONSerializer)
            for name in QUEUE_NAMES
        }
        self._withdraw = connection.register_script(_WITHDRAW)

    def queue_for(self, job: str) -> Queue:
        """Time-critical jobs go to the queue workers take from first, deferrable ones last."""
        if job in URGENT_JOBS:
            return self._queues[URGENT_QUEUE_NAME]
        return self._queues[LOW_QUEUE_NAME if job in LOW_JOBS else QUEUE_NAME]

    def enqueue(self, job: str, *args: JobArg, job_id: str | None = None) -> None:
        with _unavailable_on_redis_error():
            self.queue_for(job).enqueue(
                job,
                *args,
                job_id=job_id,
                # Results are never read (jobs record what they did in SQL): keep none in Redis.
                result_ttl=0,
                failure_ttl=7 * 86400,
                retry=Retry(max=3, interval=[10, 60, 300]),
            )

    def enqueue_at(
        self, when: datetime, job: str, *args: JobArg, job_id: str | None = None
    ) -> None:
        # rq reads naive datetimes as UTC, which is what the service stores. A named job's record
        # is kept a while, so a second booking of the same id (another worker) finds it.
        with _unavailable_on_redis_error():
            self.queue_for(job).enqueue_at(
                when,
                job,
                *args,
                job_id=job_id,
                result_ttl=600 if job_id else 0,
                failure_ttl=7 * 86400,
            )

    def enqueue_outbox(self, outbox_id: int) -> None:
        self.enqueue(OUTBOX_JOB, outbox_id, job_id=outbox_job_id(outbox_id))

    def still_queued(self, job_ids: Sequence[str]) -> set[str]:
        """Which of these jobs rq provably still holds waiting to run: a sweep must not queue them
        again (under a backlog, rows enqueued minutes ago are waiting their turn, not lost).

        A job's status alone proves nothing: a worker that died between taking a job off a list
        and starting it leaves it "queued" in no list. So a queued job counts only while its id is
        in its queue's list, and a scheduled one only while it is in the scheduled registry.
        """
        if not job_ids:
            return set()
        with _unavailable_on_redis_error():
            return self._held(job_ids)

    def withdraw(self, job: str, job_ids: Sequence[str]) -> set[str]:
        """Take back jobs still waiting in `job`'s queue (a job that did their work already ran).

        A job a worker has already taken is left alone: it runs, and finds nothing to do.
        """
        if not job_ids:
            return set()
        queue = self.queue_for(job)
        with _unavailable_on_redis_error():
            taken = self._withdraw(
                keys=[queue.key, *(Job.key_for(job_id) for job_id in job_ids)],
                args=list(job_ids),
            )
        return {item.decode() if isinstance(item, bytes) else str(item) for item in taken}

    def _held(self, job_ids: Sequence[str]) -> set[str]:
        connection = self._queues[QUEUE_NAME].connection
        jobs = Job.fetch_many(list(job_ids), connection=connection, serializer=JSONSerializer)
        waiting: dict[str, set[str]] = {}  # queue name -> ids in its list, read once per sweep
        held = set()
        for job in jobs:
            if job is None or job.origin not in self._queues:
                continue
            queue = self._queues[job.origin]
            status = job.get_status(refresh=False)
            if status == JobStatus.QUEUED:
                if job.origin not in waiting:
                    waiting[job.origin] = set(queue.get_job_ids())
                if job.id in waiting[job.origin]:
                    held.add(job.id)
            elif (
                status == JobStatus.SCHEDULED
                and connection.zscore(queue.scheduled_job_registry.key, job.id) is not None
            ):
                held.add(job.id)
        return held


class InProcessJobQueue:
    """Run jobs on one background thread, and timed jobs when due (the embedded default)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._due: list[tuple[datetime, int, str, tuple[JobArg, ...]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._busy = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="handsoff-jobs", daemon=True)
        self._thread.start()

    def enqueue(self, job: str, *args: JobArg, job_id: str | None = None) -> None:
        self.enqueue_at(datetime.min, job, *args)

    def enqueue_at(
        self, when: datetime, job: str, *args: JobArg, job_id: str | None = None
    ) -> None:
        with self._wake:
            heapq.heappush(self._due, (when, next(self._order), job, args))
            self._wake.notify()

    def enqueue_outbox(self, outbox_id: int) -> None:
        self.enqueue(OUTBOX_JOB, outbox_id)

    def still_queued(self, job_ids: Sequence[str]) -> set[str]:
        return set()  # Its jobs live in this process; a sweep after a restart finds none.

    def withdraw(self, job: str, job_ids: Sequence[str]) -> set[str]:
        return set()  # Its jobs are not named: each runs, and finds its work already done.

    def join(self, timeout: float = 30.0) -> bool:
        """Wait until no job is due now or running (tests, clean shutdown)."""
        with self._wake:
            return self._wake.wait_for(lambda: self._busy == 0 and not self._due_now(), timeout)

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()

    def _due_now(self) -> bool:
        return bool(self._due) and self._due[0][0] <= self._clock()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._stopped and not self._due_now():
                    timeout = self._seconds_to_next()
                    self._wake.wait(timeout)
                if self._stopped:
                    return
                _, _, job, args = heapq.heappop(self._due)
                self._busy += 1
            try:
                run_job(job, args)
            except Exception:  # The job runner is an edge, as rq's worker is: log, keep running.
                log.exception("job %s failed; the sweeper will retry what it left", job)
            finally:
                with self._wake:
                    self._busy -= 1
                    self._wake.notify_all()

    def _seconds_to_next(self) -> float:
        if not self._due:
            return 1.0
        gap = (self._due[0][0] - self._clock()) / timedelta(seconds=1)
        return max(0.05, min(gap, 1.0))


def split_still_queued(
    queue: JobQueue, ids: Sequence[int], job_id: Callable[[int], str]
) -> tuple[list[int], list[int]]:
    """(rows whose job the queue no longer holds, rows whose job it still holds waiting).

    When the queue cannot say, every row counts as lost: a duplicate beats a loss.
    """
    try:
        held = queue.still_queued([job_id(row_id) for row_id in ids])
    except QueueUnavailable as error:  # Redis away: the enqueue that follows fails and says so.
        log.warning("could not ask the queue what it holds (%s)", type(error).__name__)
        return list(ids), []
    return (
        [row_id for row_id in ids if job_id(row_id) not in held],
        [row_id for row_id in ids if job_id(row_id) in held],
    )


def outbox_job_id(outbox_id: int) -> str:
    return f"outbox-{outbox_id}"


def run_job(job: str, args: tuple[JobArg, ...]) -> object:
    """Import a job by dotted name and call it, as an rq worker would."""
    module_name, _, function_name = job.rpartition(".")
    if not module_name.startswith("workers."):
        raise ValueError("jobs live in the workers package")
    function = getattr(importlib.import_module(module_name), function_name)
    return function(*args)
