"""`handsoff officer …`, `handsoff messages failed` and `handsoff worker`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from config.settings import ConfigError, Settings
from crypto import AuditSigner, KeyFileMissing, KeyStore
from service.casework.officers import OfficerError, OfficerRegistry
from service.casework.vocab import PROVINCES, ROLES


def _settings() -> Settings:
    try:
        return Settings.from_env(os.environ, serves_callbacks=False)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _database(
    settings: Settings, audit_signer: AuditSigner | None = None
) -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured database; the engine is closed when the command ends."""
    from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema

    engine = make_engine(settings.database_url)
    try:
        if settings.embedded:
            settings.home.mkdir(parents=True, exist_ok=True)
            upgrade_schema(engine)
        yield make_sessionmaker(engine, audit_signer=audit_signer)
    finally:
        engine.dispose()


def _admin_signer(keys: KeyStore) -> AuditSigner:
    """The audit key officer changes are sealed with: the desk's where it is, else the web's."""
    try:
        return keys.audit_signer("desk")
    except KeyFileMissing:
        return keys.audit_signer("web")


@contextmanager
def _registry(settings: Settings) -> Iterator[OfficerRegistry]:
    """The registry, holding the officer-digest key and the contact public key only."""
    from crypto import ContactSealer, SecretHasher
    from service.bootstrap import open_keys
    from service.clock import utcnow

    keys = open_keys(settings)
    secrets = keys.secrets()
    with _database(settings, _admin_signer(keys)) as sessions:
        try:
            yield OfficerRegistry(
                sessions,
                SecretHasher(secrets.code_key, secrets.officer_key),
                ContactSealer(keys.contact_public()),
                utcnow,
            )
        except OfficerError as error:
            raise click.ClickException(str(error)) from None


@click.group()
def officer() -> None:
    """Case officers and coordinators: who gets which cases."""


@officer.command("add")
@click.option("--name", required=True)
@click.option(
    "--phone",
    prompt="Phone number",
    hide_input=True,
    help="E.164 or national (Mozambique). Left out, it is asked for without echo.",
)
@click.option("--province", required=True, help="Code or name: " + ", ".join(PROVINCES))
@click.option("--role", required=True, help="One of: " + ", ".join(ROLES))
@click.option("--lang", default="pt", show_default=True, help="Language of their SMS: pt, en.")
def add_officer(name: str, phone: str, province: str, role: str, lang: str) -> None:
    """Register an officer, on duty. The number is kept as a digest and sealed, never in clear."""
    with _registry(_settings()) as registry:
        officer_id = registry.add(name=name, phone=phone, province=province, role=role, lang=lang)
    click.echo(f"Officer {officer_id} added (number ending …{_tail(phone)}).")


@officer.command("list")
@click.option("--province", default=None)
@click.option("--role", default=None)
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated officers.")
def list_officers(province: str | None, role: str | None, include_inactive: bool) -> None:
    """List officers; numbers show only their last two digits."""
    with _registry(_settings()) as registry:
        views = registry.list(province=province, role=role, include_inactive=include_inactive)
    if not views:
        click.echo("No officers.")
        return
    for view in views:
        duty = "on duty" if view.on_duty else "off duty"
        state = "" if view.active else " (deactivated)"
        click.echo(
            f"{view.id:>4}  {view.name:<24} {view.role:<15} {view.province:<17} "
            f"{view.lang}  {duty:<8} {view.masked_phone}{state}"
        )


@officer.command("edit")
@click.argument("officer_id", type=int)
@click.option("--name", default=None)
@click.option("--phone", default=None)
@click.option("--province", default=None)
@click.option("--role", default=None)
@click.option("--lang", default=None)
def edit_officer(
    officer_id: int,
    name: str | None,
    phone: str | None,
    province: str | None,
    role: str | None,
    lang: str | None,
) -> None:
    """Change an officer's details (a new role or province moves their open cases on)."""
    settings = _settings()
    with _registry(settings) as registry:
        outbox_ids = registry.edit(
            officer_id, name=name, phone=phone, province=province, role=role, lang=lang
        )
        _dispatch(settings, registry.sessions, outbox_ids)
    moved = f"; {len(outbox_ids)} open case(s) to reassign" if outbox_ids else ""
    click.echo(f"Officer {officer_id} updated{moved}.")


@officer.command("duty")
@click.argument("officer_id", type=int)
@click.argument("state", type=click.Choice(["on", "off"]))
def set_duty(officer_id: int, state: str) -> None:
    """Put an officer on or off duty (off duty: no new cases; held cases stay)."""
    with _registry(_settings()) as registry:
        registry.set_duty(officer_id, state == "on")
    click.echo(f"Officer {officer_id} is {state} duty.")


@officer.command("deactivate")
@click.argument("officer_id", type=int)
def deactivate_officer(officer_id: int) -> None:
    """Deactivate an officer for good; their open cases move to the next eligible officer."""
    settings = _settings()
    with _registry(settings) as registry:
        outbox_ids = registry.deactivate(officer_id)
        _dispatch(settings, registry.sessions, outbox_ids)
    click.echo(f"Officer {officer_id} deactivated; {len(outbox_ids)} open case(s) to reassign.")


def _dispatch(settings: Settings, sessions: sessionmaker[Session], outbox_ids: list[int]) -> None:
    """Enqueue now when Redis is configured; otherwise the running service's sweep picks them up."""
    if not outbox_ids or settings.redis_url is None:
        return
    from service.bootstrap import make_redis
    from service.clock import utcnow
    from service.queueing.job_queue import RqJobQueue
    from service.queueing.outbox import Dispatcher

    connection = make_redis(settings)
    assert connection is not None
    try:
        Dispatcher(RqJobQueue(connection), sessions, utcnow).enqueue(outbox_ids)
    finally:
        connection.close()


def _tail(phone: str) -> str:
    digits = [ch for ch in phone if ch.isdigit()]
    return "".join(digits[-2:])


@click.group()
def messages() -> None:
    """Outbound SMS: what did not get through."""


@messages.command("failed")
@click.option("--limit", default=100, show_default=True)
def failed(limit: int) -> None:
    """List SMS that failed for good or may not have arrived (no numbers, no text)."""
    from service.casework.coordinator_queries import failed_messages

    with _database(_settings()) as sessions:
        rows = failed_messages(sessions, limit)
    if not rows:
        click.echo("No failed messages.")
        return
    for row in rows:
        case = f"case {row.case_id}" if row.case_id is not None else "no case"
        click.echo(
            f"{row.id:>6}  {row.created_at:%Y-%m-%d %H:%M}  {row.purpose:<18} {case:<12} "
            f"{row.status:<7} attempts {row.attempts}  {row.failure_class}/{row.failure_code}"
        )


@click.command()
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run an rq worker (with its scheduler) on the handsoff queues, after a sweep."""
    import redis
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from service.casework.maintenance import run_maintenance
    from service.logs.redaction import install_redaction
    from service.queueing.job_queue import QUEUE_NAMES
    from service.queueing.relay import OutboxRelay, start_relay
    from workers.context import build_worker, install

    settings = _settings()
    if settings.redis_url is None:
        raise click.ClickException(
            "handsoff worker needs REDIS_URL (the embedded default runs jobs in the web process)."
        )
    install_redaction()
    context = build_worker(settings)
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


def register(main: click.Group) -> None:
    """Add these commands to the `handsoff` group."""
    main.add_command(officer)
    main.add_command(messages)
    main.add_command(worker)
