"""`handsoff worker`: the rq worker, its scheduler and the outbox relay, on one context."""

from __future__ import annotations

import os

import click

from config.settings import ConfigError, Settings
from crypto import CryptoError


def _settings() -> Settings:
    try:
        settings = Settings.from_env(os.environ, serves_callbacks=False)
        settings.sms_gateway()  # refuse to start when no SMS could reach anyone
        return settings
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.command()
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run an rq worker (with its scheduler) on the handsoff queues, after a sweep."""
    import redis
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from service.bootstrap.worker import build_worker
    from service.casework.maintenance import run_maintenance
    from service.logs.redaction import install_redaction
    from service.queueing.job_queue import QUEUE_NAMES
    from service.queueing.relay import OutboxRelay, start_relay
    from workers.context import install

    settings = _settings()
    if settings.redis_url is None:
        raise click.ClickException(
            "handsoff worker needs REDIS_URL (the embedded default runs jobs in the web process)."
        )
    install_redaction()
    try:
        context = build_worker(settings)
    except CryptoError as error:  # a missing key, or one the worker must not hold
        raise click.ClickException(str(error)) from None
    install(context)
    run_maintenance(context)
    # rq forks its scheduler (at start, and again whenever it takes the scheduler lock over): a
    # child must never use, nor close, the connections this process holds.
    os.register_at_fork(after_in_child=lambda: context.engine.dispose(close=False))
    context.engine.dispose()
    # New cases' jobs are left waiting by the web; the relay enqueues them as they are written.
    # (A burst run needs none: the sweep above took them.)
    # No socket timeout here: the worker blocks on the queue for minutes at a time.
    connection = redis.Redis.from_url(settings.redis_url, health_check_interval=30)
    # SimpleWorker runs jobs in this process, so the context (engine, keys) is built once.
    # The urgent queue first: alerts and deadlines never wait behind a backlog of assignments.
    rq_worker = SimpleWorker(list(QUEUE_NAMES), connection=connection, serializer=JSONSerializer)
    relay = None if burst else start_relay(OutboxRelay(context.outbox, context.engine))
    try:
        rq_worker.work(with_scheduler=True, burst=burst, logging_level="INFO")
    finally:
        if relay is not None:  # Let a claim in progress finish its enqueue before we exit.
            thread, stop = relay
            stop.set()
            thread.join(timeout=10)
            if thread.is_alive():
                click.echo("outbox relay still busy at exit; the sweep takes the rest", err=True)
