"""Build the service on either backend for a test: embedded defaults, or PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from flask import Flask

from config.settings import Settings
from crypto import KeyStore
from service.bootstrap.web import WebContainer, build_web
from service.clock import utcnow
from service.storage.engine import MIGRATION_TIMEOUTS, make_engine, upgrade_schema
from service.web.app import create_app


def embedded_settings(home: Path) -> Settings:
    return Settings.from_env({"HANDSOFF_HOME": str(home)})


def production_settings(home: Path, database_url: str, redis_url: str, token: str) -> Settings:
    """The web's production settings, keys provisioned as docs/keys.md says.

    Every key is made in an admin folder (`handsoff keys init`), and the web's folder gets the
    web's share only (`handsoff keys export --role web`): a production web refuses any other key.
    """
    settings = Settings.from_env(
        {
            "HANDSOFF_HOME": str(home),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "WEBHOOK_TOKEN": token,
        }
    )
    engine = make_engine(settings.database_url, MIGRATION_TIMEOUTS)
    upgrade_schema(engine)
    engine.dispose()
    if not settings.keys_dir.exists():  # else the test provisioned the web's keys itself
        KeyStore.generate(home / "admin" / "keys").export(settings.keys_dir, role="web")
    return settings


def worker_settings(settings: Settings) -> Settings:
    """The same service seen from a worker host: its own home, the worker's share of the keys."""
    worker = replace(settings, home=settings.home / "worker-host")
    admin_keys(settings).export(worker.keys_dir, role="worker")
    return worker


def admin_keys(settings: Settings) -> KeyStore:
    """Every key, as the offline admin machine holds them (the desk's and worker's included)."""
    admin = settings.home / "admin" / "keys"
    return KeyStore(admin if admin.exists() else settings.keys_dir)


def make_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[Flask, WebContainer]:
    container = build_web(settings, clock=clock)
    return create_app(settings, container), container
