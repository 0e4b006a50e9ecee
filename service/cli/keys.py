"""`handsoff keys`: create every key on an offline admin machine, export one role's files.

These are the only commands that create keys for a production service; no process generates
them by itself, and `handsoff init` creates the schema only (docs/keys.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from config.settings import ConfigError, Settings
from crypto import ROLE_FILES, ROLES, CryptoError, KeyStore, Role


def _keys_dir(folder: Path | None) -> Path:
    """The admin machine's full key folder: --dir, else $HANDSOFF_HOME/keys."""
    if folder is not None:
        return folder.resolve()
    try:
        return Settings.from_env(os.environ, serves_callbacks=False).keys_dir
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


_DIR_OPTION = click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The full key folder (default: $HANDSOFF_HOME/keys).",
)


@click.group()
def keys() -> None:
    """Create keys (offline admin machine) and export each process role's share."""


@keys.command("init")
@_DIR_OPTION
def init_keys(folder: Path | None) -> None:
    """Create every key that is missing (existing files are kept); folder 0700, files 0600."""
    path = _keys_dir(folder)
    try:
        store = KeyStore.generate(path)
    except CryptoError as error:
        raise click.ClickException(str(error)) from None
    if store.created:
        click.echo(f"Created in {path}: {', '.join(store.created)}")
    else:
        click.echo(f"Every key is already in {path}.")
    click.echo(
        "This folder holds every key, the private ones included: keep it on this offline "
        "machine and give each host only its share with `handsoff keys export --role "
        f"{'|'.join(ROLES)} DEST`."
    )


@keys.command("export")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The process role.")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@_DIR_OPTION
def export_keys(role: str, dest: Path, folder: Path | None) -> None:
    """Copy exactly the files ROLE may hold into DEST (0700, files 0600)."""
    chosen: Role = next(r for r in ROLES if r == role)
    source = KeyStore(_keys_dir(folder))
    try:
        source.export(dest, role=chosen)
    except CryptoError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Exported for {role} into {dest.resolve()}: {', '.join(ROLE_FILES[chosen])}")
    click.echo(f"Copy it to the {role} host as $HANDSOFF_HOME/keys.")
