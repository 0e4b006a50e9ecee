"""The `handsoff` command: serve, init, simulate; officers, messages, worker and keys are added."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

from config.settings import ConfigError, Settings
from crypto import CryptoError, KeyFileMissing
from service.cli.audit import audit as audit_commands
from service.cli.desk import register as register_desk_commands
from service.cli.errors import FriendlyGroup, missing_key_sentence
from service.cli.keys import keys
from service.cli.officers import register as register_casework_commands
from service.cli.simulate import run_simulator, run_sms
from service.cli.worker import worker


def _settings(serves_callbacks: bool = True) -> Settings:
    try:
        return Settings.from_env(os.environ, serves_callbacks=serves_callbacks)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(cls=FriendlyGroup)
def main() -> None:
    """Hands Off: confidential USSD and SMS reporting."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web service (embedded defaults when nothing is configured)."""
    from service.web.app import create_app

    settings = _settings()
    try:
        app = create_app(settings)
    except KeyFileMissing as error:
        raise click.ClickException(missing_key_sentence(error, role="web")) from None
    except CryptoError as error:
        raise click.ClickException(
            f"{error}. Provision this process's keys in {settings.keys_dir} with "
            "`handsoff keys export --role web` on the offline admin machine (docs/keys.md)."
        ) from None
    _warn_if_nobody_can_take_cases(app)
    mode = "embedded defaults" if settings.embedded else "production settings"
    click.echo(f"Hands Off listening on http://{host}:{port}/ussd ({mode}, home {settings.home})")
    if settings.embedded:
        click.echo(
            f"Desk: http://{host}:{port}/desk/ (first: handsoff staff add NAME --role coordinator)"
        )
    # Threaded so a slow hop never blocks another; the access log is off (it would hold tokens).
    run_simple(host, port, app, threaded=True, request_handler=_QuietHandler)


@main.command()
def init() -> None:
    """Bring the schema up to date; safe to run twice. Embedded only: create missing keys too.

    On a production configuration this creates no key: keys are made on an offline admin
    machine (`handsoff keys init`) and each host gets its share (`handsoff keys export`).
    """
    from crypto import KeyStore
    from service.bootstrap.parts import prepare_home
    from service.storage.engine import MIGRATION_TIMEOUTS, make_engine, upgrade_schema

    settings = _settings(serves_callbacks=False)
    if settings.embedded:
        prepare_home(settings)
    engine = make_engine(settings.database_url, MIGRATION_TIMEOUTS)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()
    click.echo(f"Schema is up to date ({_safe_url(settings.database_url)}).")
    if not settings.embedded:
        click.echo("No key created: see `handsoff keys init` and `handsoff keys export`.")
        return
    keys = KeyStore.generate(settings.keys_dir)
    if keys.created:
        click.echo(f"Created key files in {settings.keys_dir}: {', '.join(keys.created)}")
    else:
        click.echo(f"Keys already present in {settings.keys_dir}.")


@main.command()
@click.option(
    "--url",
    default="http://127.0.0.1:8000/ussd",
    show_default=True,
    help="The service's USSD callback URL (with `?token=…` in production).",
)
@click.option("--phone", required=True, help="The number to dial or text from, e.g. +258841234567.")
@click.option("--service-code", default="*123#", show_default=True)
@click.option(
    "--sms",
    "sms_text",
    default=None,
    help='Send this one SMS instead of dialling, e.g. --sms "OK 123456789" from an officer\'s '
    "number; with the embedded defaults the SMS the service sends back are shown.",
)
def simulate(url: str, phone: str, service_code: str, sms_text: str | None) -> None:
    """A terminal phone: talks to a running service exactly as the aggregator does."""
    if sms_text is not None:
        settings = _settings(serves_callbacks=False)
        outbox_log = None if settings.sms_configured else settings.sms_outbox_log
        sys.exit(run_sms(url, phone, sms_text, outbox_log, click.echo))
    sys.exit(run_simulator(url, phone, service_code, click.prompt, click.echo))


NO_OFFICER_WARNING = """
************************************************************************************
  NO CASE OFFICER IS REGISTERED. Reports will be kept, but they will wait: nobody is
  alerted until an officer (and a coordinator) is added, for example
    handsoff officer add --name "Ana" --phone +258841000001 --province sofala \\
      --role psychosocial
    handsoff officer add --name "Carla" --phone +258841000002 --province sofala \\
      --role coordinator
************************************************************************************"""


def _warn_if_nobody_can_take_cases(app: Flask) -> None:
    """Say once, at start, that reports will wait when there is nobody to give them to."""
    from service.casework.coordinator_queries import active_officer_count

    if active_officer_count(app.extensions["handsoff"].sessions) == 0:
        click.echo(NO_OFFICER_WARNING, err=True)


def _safe_url(url: str) -> str:
    """Drop credentials from a database URL before printing it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


class _QuietHandler(WSGIRequestHandler):
    """No access log: request lines carry the webhook token."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


register_casework_commands(main)
main.add_command(worker)
main.add_command(audit_commands)
main.add_command(keys)
register_desk_commands(main)

if __name__ == "__main__":
    main()
