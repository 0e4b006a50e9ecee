"""The embedded web mounts the desk at /desk/; a production web never does (no private key)."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings
from crypto import KeyStore
from service.storage.engine import make_engine, upgrade_schema
from tests.support.apps import embedded_settings, make_app


def test_the_embedded_defaults_serve_the_desk_on_the_same_app(tmp_path: Path) -> None:
    app, container = make_app(embedded_settings(tmp_path))
    try:
        page = app.test_client().get("/desk/login")
        assert page.status_code == 200
        assert b'autocomplete="one-time-code"' in page.data
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        container.close()


def test_a_production_web_has_no_desk_and_starts_without_the_report_private_key(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    KeyStore.generate(tmp_path / "all-keys")
    web_home = tmp_path / "web"
    KeyStore(tmp_path / "all-keys").export(web_home / "keys", role="web")
    assert not (web_home / "keys" / "report.private.json").exists()
    settings = Settings.from_env(
        {
            "HANDSOFF_HOME": str(web_home),
            "DATABASE_URL": postgres_url,
            "REDIS_URL": redis_url,
            "WEBHOOK_TOKEN": webhook_token,
        }
    )
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    engine.dispose()
    app, container = make_app(settings)
    try:
        assert "handsoff_desk" not in app.extensions
        assert not any(rule.endpoint.startswith("desk.") for rule in app.url_map.iter_rules())
        assert app.test_client().get("/desk/login").status_code == 404
    finally:
        container.close()


def test_the_desk_builds_from_the_desk_key_export_alone(tmp_path: Path, postgres_url: str) -> None:
    from service.bootstrap.desk import build_desk
    from service.desk.app import create_desk_app

    KeyStore.generate(tmp_path / "all-keys")
    desk_home = tmp_path / "desk"
    KeyStore(tmp_path / "all-keys").export(desk_home / "keys", role="desk")
    assert not (desk_home / "keys" / "contact.private.json").exists()
    settings = Settings.from_env(
        {"HANDSOFF_HOME": str(desk_home), "DATABASE_URL": postgres_url}, serves_callbacks=False
    )
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    engine.dispose()
    ctx = build_desk(settings)
    try:
        client = create_desk_app(settings, ctx).test_client()
        assert client.get("/desk/login", base_url="https://desk.example").status_code == 200
    finally:
        ctx.close()
