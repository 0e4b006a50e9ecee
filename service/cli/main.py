"""The `handsoff` command: serve, init, simulate; officers, messages and worker are added."""

from __future__ import annotations

import os
import sys

import click
from werkzeug.serving import WSGIRequestHandler, run_simple

from config.settings import ConfigError, Settings
from crypto import CryptoError
from service.cli.audit import audit as audit_commands
from service.cli.desk import register as register_desk_commands
from service.cli.officers import register as register_casework_commands
from service.cli.simulate import run_simulator
from service.cli.worker import worker


def _settings(serves_callbacks: bool = True) -> Settings:
    try:
        return Settings.from_env(os.environ, serves_callbacks=serves_callbacks)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group()
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
    except CryptoError as error:
        raise click.ClickException(
            f"{error}. Provision this process's keys in {settings.keys_dir} "
            "(see docs/keys.md), or run `handsoff init` on a trusted machine."
        ) from None
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
    """Create the schema and any missing keys; safe to run twice."""
    from crypto import KeyStore
    from service.storage.engine import make_engine, upgrade_schema

    settings = _settings(serves_callbacks=False)
    settings.home.mkdir(parents=True, exist_ok=True)
    upgrade_schema(make_engine(settings.database_url))
    keys = KeyStore.generate(settings.keys_dir)
    click.echo(f"Schema is up to date ({_safe_url(settings.database_url)}).")
    if keys.created:
        click.echo(f"Created key files in {settings.keys_dir}: {', '.join(keys.created)}")
    else:
        click.echo(f"Keys already present in {settings.keys_dir}.")


@main.command()
@click.option("--url", required=True, help="The service's USSD callback URL.")
@click.option("--phone", required=True, help="The number to dial from, e.g. +258841234567.")
@click.option("--service-code", default="*123#", show_default=True)
def simulate(url: str, phone: str, service_code: str) -> None:
    """A terminal phone: talks to a running service exactly as the aggregator does."""
    sys.exit(run_simulator(url, phone, service_code, click.prompt, click.echo))


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
register_desk_commands(main)

if __name__ == "__main__":
    main()
