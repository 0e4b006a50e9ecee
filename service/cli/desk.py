"""`handsoff desk`: the coordinators' desk as its own process (holds the report private key)."""

from __future__ import annotations

import os

import click
from werkzeug.serving import WSGIRequestHandler, run_simple

from config.settings import ConfigError, Settings
from crypto import CryptoError


class _QuietHandler(WSGIRequestHandler):
    """No access log: desk paths carry case codes."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def desk(host: str, port: int) -> None:
    """Run the coordinators' desk (production: behind a TLS proxy, HANDSOFF_TLS_PROXY=1)."""
    from service.bootstrap.desk import build_desk
    from service.desk.app import create_desk_app

    try:
        settings = Settings.from_env(os.environ, serves_callbacks=False)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    try:
        app = create_desk_app(settings, build_desk(settings))
    except CryptoError as error:
        raise click.ClickException(
            f"{error}. The desk needs the report private key and secrets.json in "
            f"{settings.keys_dir} (see docs/keys.md)."
        ) from None
    click.echo(f"Hands Off desk on http://{host}:{port}/desk/ (home {settings.home})")
    run_simple(host, port, app, threaded=True, request_handler=_QuietHandler)


def register(main: click.Group) -> None:
    """Add `handsoff desk` and `handsoff staff …` to the `handsoff` group."""
    from service.cli.staff import staff

    main.add_command(desk)
    main.add_command(staff)
