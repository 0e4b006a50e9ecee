"""Build the service on either backend for a test: embedded defaults, or PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import Callable
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
    """Production settings with keys provisioned the way `handsoff init` does it."""
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
    KeyStore.generate(settings.keys_dir)
    return settings


def make_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[Flask, WebContainer]:
    container = build_web(settings, clock=clock)
    return create_app(settings, container), container
