"""`handsoff staff add|list|reset|disable`: desk accounts for coordinators, officers, auditors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import click

from config.settings import ConfigError, Settings
from service.desk.roles import LANGUAGES, STAFF_ROLES
from service.desk.staff import Credentials, StaffError, StaffRegistry


@contextmanager
def _registry() -> Iterator[StaffRegistry]:
    from service.bootstrap.desk import build_staff_registry

    try:
        settings = Settings.from_env(os.environ, serves_callbacks=False)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    with build_staff_registry(settings) as registry:
        try:
            yield registry
        except StaffError as error:
            raise click.ClickException(str(error)) from None


def _show(credentials: Credentials, qr: bool) -> None:
    """Print the secrets once: they are stored only hashed (password) or sealed (TOTP)."""
    click.echo(f"One-time password for {credentials.username}: {credentials.one_time_password}")
    click.echo("(shown once; it must be changed at first sign-in)")
    click.echo(f"TOTP: {credentials.otpauth_uri}")
    if qr:
        import segno

        segno.make(credentials.otpauth_uri, error="m").terminal(compact=True)


@click.group()
def staff() -> None:
    """Desk accounts: sign-in with password and TOTP."""


@staff.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--province", "provinces", multiple=True, help="A coordinator's province (repeat).")
@click.option("--officer", "officer_id", type=int, default=None, help="An officer's Officer id.")
@click.option("--lang", default="pt", show_default=True, type=click.Choice(LANGUAGES))
@click.option("--qr", is_flag=True, help="Also draw the TOTP URI as a QR code.")
def add_staff(
    username: str,
    role: str,
    provinces: tuple[str, ...],
    officer_id: int | None,
    lang: str,
    qr: bool,
) -> None:
    """Create an account; prints its one-time password and TOTP URI once."""
    with _registry() as registry:
        credentials = registry.add(
            username, role=role, provinces=provinces, officer_id=officer_id, lang=lang
        )
    _show(credentials, qr)


@staff.command("list")
def list_staff() -> None:
    """List accounts (no secrets)."""
    with _registry() as registry:
        views = registry.list()
    if not views:
        click.echo("No staff accounts.")
        return
    for view in views:
        scope = view.provinces or ("national" if view.role == "coordinator" else "")
        if view.officer_id is not None:
            scope = f"officer {view.officer_id}"
        state = "disabled" if view.disabled else "active"
        pending = view.must_change_password and not view.disabled
        first = " (first sign-in pending)" if pending else ""
        click.echo(
            f"{view.id:>4}  {view.username:<24} {view.role:<12} {view.lang}  {state}  "
            f"{scope}{first}"
        )


@staff.command("reset")
@click.argument("username")
@click.option("--qr", is_flag=True, help="Also draw the new TOTP URI as a QR code.")
def reset_staff(username: str, qr: bool) -> None:
    """New one-time password and TOTP secret; ends every session of the account."""
    with _registry() as registry:
        credentials = registry.reset(username)
    _show(credentials, qr)


@staff.command("disable")
@click.argument("username")
def disable_staff(username: str) -> None:
    """No more sign-ins; open sessions end at their next request."""
    with _registry() as registry:
        registry.disable(username)
    click.echo(f"Account {username} disabled.")
