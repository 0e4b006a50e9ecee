"""The Flask app factory: one app per process, built from a container made by bootstrap."""

from __future__ import annotations

from flask import Flask, Response

from config.settings import Settings
from service.bootstrap.web import WebContainer, build_web
from service.logs.redaction import install_redaction
from service.web.fast_lane import UssdFastLane
from service.web.readiness import ReadinessProbe, readiness
from service.web.webhooks import error_body, webhooks

# Larger bodies are refused by Flask with 413 before we read them.
MAX_BODY_BYTES = 16 * 1024


def create_app(settings: Settings, container: WebContainer | None = None) -> Flask:
    """Build the web app; tests may hand in a container built their own way."""
    install_redaction()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    built = app.extensions["handsoff"] = container or build_web(settings)
    app.extensions["handsoff.readiness"] = ReadinessProbe(built.engine, built.redis_client)
    app.register_blueprint(webhooks)
    app.register_blueprint(readiness)
    if settings.embedded:
        # One process holds every key on the embedded defaults, so a newcomer finds the desk
        # at /desk/ with no set-up. A production web must never load the report private key.
        _mount_desk(app, settings, app.extensions["handsoff"])

    # Liveness only: answers without touching SQL or Redis (/readyz checks those).
    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain")

    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def client_error(error: Exception) -> Response:
        code = getattr(error, "code", 400) or 400
        return Response(error_body(code), status=code, mimetype="text/plain")

    # POST /ussd in plain WSGI, every other request through Flask (service/web/fast_lane.py).
    app.wsgi_app = UssdFastLane(app.wsgi_app, built, max_body_bytes=MAX_BODY_BYTES)  # type: ignore[method-assign]  # the documented way to wrap a Flask app in middleware
    return app


def _mount_desk(app: Flask, settings: Settings, container: WebContainer) -> None:
    from service.bootstrap.desk import build_desk
    from service.desk.app import install_desk

    # The desk's changes leave outbox rows; the in-process worker takes them at once.
    install_desk(app, build_desk(settings, wake_worker=container.dispatcher.relay_waiting))
