"""POST /ussd served in plain WSGI: the hop that is most of the traffic skips Flask's machinery.

Flask's request context, URL matching, hooks and werkzeug's Request and Response cost about as
much CPU as a hop's own work on Redis (docs/performance.md, "The USSD fast lane"). This lane does
what Flask would for this one route, with the same functions (`service/web/webhooks.py`): the
token, the body limit, the strict form, `answer_ussd`. Everything else, and any POST /ussd whose
body it does not read the plain way (multipart, no Content-Length), goes to Flask unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.http import HTTP_STATUS_CODES

from service.web.webhooks import (
    FORBIDDEN_BODY,
    answer_ussd,
    decode_form,
    error_body,
    is_multipart,
    token_accepted,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from service.bootstrap.web import WebContainer

USSD_PATH = "/ussd"
PLAIN_TEXT = "text/plain; charset=utf-8"  # what Flask's Response(mimetype="text/plain") sends


class UssdFastLane:
    """WSGI middleware: answers POST /ussd itself, hands every other request to `flask_app`."""

    def __init__(
        self, flask_app: WSGIApplication, container: WebContainer, *, max_body_bytes: int
    ) -> None:
        self._flask_app = flask_app
        self._container = container
        self._max_body_bytes = max_body_bytes

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != USSD_PATH or environ.get("REQUEST_METHOD") != "POST":
            return self._flask_app(environ, start_response)
        length = _declared_length(environ)
        if length is None or is_multipart(environ.get("CONTENT_TYPE", "")):
            # Chunked or odd lengths follow werkzeug's rules; multipart needs its form parser.
            return self._flask_app(environ, start_response)
        # The order is Flask's: the token (before_request), then the body's size, then the body.
        if not token_accepted(self._container, environ.get("QUERY_STRING", "")):
            return _reply(start_response, 403, FORBIDDEN_BODY)
        if length > self._max_body_bytes:
            return _reply(start_response, 413, error_body(413))
        body = environ["wsgi.input"].read(length)
        if len(body) != length:
            # The client went away mid-body: let werkzeug answer that as it always has.
            environ["wsgi.input"] = io.BytesIO(body)
            return self._flask_app(environ, start_response)
        return _reply(start_response, 200, answer_ussd(self._container, decode_form(body)))


def _declared_length(environ: WSGIEnvironment) -> int | None:
    """CONTENT_LENGTH when it is a plain decimal number, else None."""
    declared = environ.get("CONTENT_LENGTH", "")
    if declared.isascii() and declared.isdigit():
        return int(declared)
    return None


def _reply(start_response: StartResponse, status: int, text: str) -> list[bytes]:
    """The status line, headers and body werkzeug's `Response(text, mimetype="text/plain")` has."""
    body = text.encode("utf-8")
    start_response(
        f"{status} {HTTP_STATUS_CODES[status].upper()}",
        [("Content-Type", PLAIN_TEXT), ("Content-Length", str(len(body)))],
    )
    return [body]
