"""`handsoff officer …` and `handsoff messages failed`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from config.settings import ConfigError, Settings
from crypto import CryptoError
from service.bootstrap.admin import build_admin
from service.casework.officers import OfficerError, OfficerRegistry
from service.casework.vocab import PROVINCES, ROLES


def _settings() -> Settings:
    try:
        return Settings.from_env(os.environ, serves_callbacks=False)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _registry(settings: Settings) -> Iterator[OfficerRegistry]:
    """The officer registry for one command; its errors become one-line messages."""
    with build_admin(settings) as parts:
        try:
            registry = parts.registry()
        except CryptoError as error:
            raise click.ClickException(
                f"{error}. Officer commands need the number key: run them on the worker's host."
            ) from None
        try:
            yield registry
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
    from service.bootstrap.admin import AdminParts

    AdminParts(settings, sessions).dispatch(outbox_ids)


def _tail(phone: str) -> str:
    digits = [ch for ch in phone if ch.isdigit()]
    return "".join(digits[-2:])


@click.group()
def messages() -> None:
    """Outbound SMS: what did not get through."""


@messages.command("failed")
@click.option("--limit", default=100, show_default=True)
def failed(limit: int) -> None:
    """List SMS that failed for good or may not have arrived: case code, recipient's role, cause.

    Run it where the worker's keys are: the case codes are sealed to the worker's contact key
    (`handsoff keys export --role worker DEST` puts them on a host). No number, no text.
    """
    from crypto import ContactOpener
    from service.bootstrap.parts import open_keys
    from service.casework.coordinator_queries import failed_messages

    settings = _settings()
    with build_admin(settings) as parts:
        opener = ContactOpener(open_keys(settings, None).contact_private())
        rows = failed_messages(parts.sessions, limit, opener)
    if not rows:
        click.echo("No failed messages.")
        return
    for row in rows:
        case = f"case {row.case_code}" if row.case_code is not None else "no case"
        click.echo(
            f"{row.created_at:%Y-%m-%d %H:%M}  {row.purpose:<18} to {row.recipient_role:<15} "
            f"{case:<15} {row.status:<7} attempts {row.attempts}  "
            f"{row.failure_class}/{row.failure_code}"
        )


def register(main: click.Group) -> None:
    """Add these commands to the `handsoff` group."""
    main.add_command(officer)
    main.add_command(messages)
