"""Put the desk on a Flask app: its own process (`handsoff desk`), or the embedded web's."""

from __future__ import annotations

from flask import Flask, Response, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse
from wtforms import ValidationError

from config.settings import Settings
from service.desk import (  # noqa: F401 - the views add their routes to `desk`
    session_timers,
    views_audit,
    views_auth,
    views_cases,
    views_stats,
    views_structuring,
)
from service.desk.blueprint import EXTENSION, context, desk, t
from service.desk.context import DeskContext
from service.desk.i18n import DEFAULT_LANGUAGE
from service.desk.roles import LANGUAGES
from service.desk.session_timers import ABSOLUTE_LIMIT
from service.desk.users import load_user

MAX_FORM_BYTES = 16 * 1024

# No inline script or style anywhere: the pages need nothing but our own stylesheet and images.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_desk_app(settings: Settings, ctx: DeskContext) -> Flask:
    """The desk as its own process (`handsoff desk`, `service.web.desk_wsgi:app`)."""
    from service.logs.redaction import install_redaction

    install_redaction()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES
    install_desk(app, ctx)
    if settings.tls_proxy:
        # One proxy on this host terminates TLS: trust its X-Forwarded-Proto, nothing else.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=0)  # type: ignore[method-assign]  # Flask's documented way to wrap it

    @app.get("/")
    def root() -> BaseResponse:
        return redirect(url_for("desk.home"))

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain")

    return app


def install_desk(app: Flask, ctx: DeskContext) -> None:
    """Register the blueprint, sessions, CSRF and the security headers on `app`."""
    app.extensions[EXTENSION] = ctx
    app.secret_key = ctx.cookie_key
    app.config.update(
        SESSION_COOKIE_NAME="handsoff_desk",
        SESSION_COOKIE_PATH="/desk",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=ABSOLUTE_LIMIT,
        # Checked by the desk itself on every POST (below), so the webhooks stay untouched.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=int(ABSOLUTE_LIMIT.total_seconds()),
    )
    logins = LoginManager()
    logins.login_view = "desk.login"
    logins.login_message = ""
    logins.session_protection = "basic"
    logins.user_loader(lambda user_id: load_user(ctx, user_id))
    logins.init_app(app)
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.register_blueprint(desk)
    app.after_request(_secure_headers)


@desk.before_request
def _guard() -> BaseResponse | tuple[str, int] | None:
    """HTTPS in production, language, CSRF on every POST, session expiry, forced new password."""
    ctx = context()
    if not ctx.settings.embedded and not request.is_secure:
        return Response(
            "The desk answers over HTTPS only (behind a TLS proxy on this host, set "
            "HANDSOFF_TLS_PROXY=1).\n",
            status=403,
            mimetype="text/plain",
        )
    g.lang = _language()
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            return render_template("error.html", message=t("err.csrf")), 400
    if current_user.is_authenticated:
        if session_timers.expired(ctx):
            logout_user()
            session.clear()
            return redirect(url_for("desk.login", expired=1))
        if current_user.must_change_password and request.endpoint not in (
            "desk.password",
            "desk.logout",
            "desk.static",
        ):
            return redirect(url_for("desk.password"))
    return None


def _language() -> str:
    if current_user.is_authenticated:
        return str(current_user.lang)
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _secure_headers(response: BaseResponse) -> BaseResponse:
    if not request.path.startswith("/desk"):
        return response
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if request.endpoint != "desk.static":
        # Pages carry case data or forms: no browser or proxy keeps a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


@desk.errorhandler(403)
def _forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("error.html", message=t("err.forbidden")), 403


@desk.errorhandler(404)
def _not_found(_error: Exception) -> tuple[str, int]:
    return render_template("error.html", message=t("err.not_found")), 404


@desk.errorhandler(CSRFError)
def _csrf(_error: Exception) -> tuple[str, int]:
    return render_template("error.html", message=t("err.csrf")), 400
