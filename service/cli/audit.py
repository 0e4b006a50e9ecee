"""`handsoff audit verify`: check every seal of the audit chain, its head, and a checkpoint."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from config.settings import ConfigError, Settings
from crypto import Anchor, CryptoError, KeyStore


@click.group()
def audit() -> None:
    """The audit log: verify its chain."""


@audit.command()
@click.option(
    "--anchor",
    "anchor_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A checkpoint file kept away from the database: checked, then moved to the new end.",
)
def verify(anchor_path: Path | None) -> None:
    """Exit 0 if the chain holds; otherwise name the first bad entry and exit 1."""
    from service.casework.audit import verify_log
    from service.storage.engine import make_engine, make_sessionmaker, upgrade_schema

    settings = _settings()
    try:
        keys = KeyStore.generate(settings.keys_dir) if settings.embedded else None
        verifier = (keys or KeyStore(settings.keys_dir)).audit_verifier()
    except CryptoError as error:
        raise click.ClickException(
            f"{error}. Verifying needs the three audit keys (KeyStore.export(..., "
            "role='auditor'), see docs/audit.md)."
        ) from None
    anchor = _read_anchor(anchor_path) if anchor_path is not None else None
    engine = make_engine(settings.database_url)
    try:
        if settings.embedded:
            settings.home.mkdir(parents=True, exist_ok=True)
            upgrade_schema(engine)
        verdict = verify_log(make_sessionmaker(engine), verifier, anchor)
    finally:
        engine.dispose()
    if not verdict.intact:
        click.echo(verdict.describe(), err=True)
        sys.exit(1)
    click.echo(verdict.describe())
    if anchor_path is not None and verdict.checkpoint is not None:
        _write_anchor(anchor_path, verdict.checkpoint)
        click.echo(f"checkpoint moved to entry #{verdict.checkpoint.seq} in {anchor_path}")


def _settings() -> Settings:
    try:
        return Settings.from_env(os.environ, serves_callbacks=False)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _read_anchor(path: Path) -> Anchor | None:
    """Read a checkpoint; a missing file is a first run (the file is written after it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Anchor(seq=int(data["seq"]), seal=str(data["seal"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise click.ClickException(f"{path} is not a checkpoint written by audit verify") from None


def _write_anchor(path: Path, anchor: Anchor) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps({"seq": anchor.seq, "seal": anchor.seal}) + "\n", encoding="utf-8")
    os.replace(temp, path)
