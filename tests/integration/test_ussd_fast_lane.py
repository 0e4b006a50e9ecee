"""POST /ussd takes the fast lane, and the fast lane answers exactly as Flask's view does.

Each case sends the same request down both lanes of one app: through `app` (the fast lane in
front of Flask) and through `Flask.wsgi_app` itself (the view, as before the fast lane). Status
line, headers, body, counters and log lines must be the same; Flask's `request_started` signal
says which lane served it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, request_started
from werkzeug.test import EnvironBuilder

from service.bootstrap.web import WebContainer
from service.web.fast_lane import UssdFastLane
from tests.support.apps import embedded_settings, make_app, production_settings

FORM = {
    "sessionId": "ATUid_lane",
    "serviceCode": "*123#",
    "phoneNumber": "+258841234567",
    "networkCode": "63902",
    "text": "",
}


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    through_flask: bool  # whether Flask dispatched the request


@dataclass
class Lanes:
    app: Flask
    container: WebContainer
    token: str

    def both(self, **request: Any) -> tuple[Answer, Answer]:
        """The same request down the fast lane's app and down Flask alone."""
        return self.fast(**request), self.flask(**request)

    def fast(self, **request: Any) -> Answer:
        return self._send(self.app, _environ(**request))

    def flask(self, **request: Any) -> Answer:
        def flask_only(environ: Any, start_response: Any) -> Any:
            return Flask.wsgi_app(self.app, environ, start_response)

        return self._send(flask_only, _environ(**request))

    def _send(self, wsgi: Any, environ: dict[str, Any]) -> Answer:
        dispatched: list[object] = []
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def on_start(sender: object, **extra: object) -> None:
            dispatched.append(sender)

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
            started.append((status, headers))

        with request_started.connected_to(on_start, self.app):
            chunks = wsgi(environ, start_response)
            body = b"".join(chunks)
            getattr(chunks, "close", lambda: None)()
        ((status, headers),) = started
        return Answer(status, list(headers), body, through_flask=bool(dispatched))


def _environ(
    *,
    method: str = "POST",
    path: str = "/ussd",
    query: str = "",
    data: bytes | dict[str, str] | None = None,
    content_type: str | None = "application/x-www-form-urlencoded",
    length: int | None = None,
    chunked: bool = False,
) -> dict[str, Any]:
    body = data if data is not None else {}
    if isinstance(body, dict):
        body = urlencode(body).encode()
    environ = EnvironBuilder(
        path=path, method=method, query_string=query, data=body, content_type=content_type
    ).get_environ()
    environ["wsgi.input"] = io.BytesIO(body)
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    if chunked:
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
    return environ


@pytest.fixture
def lanes(tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str) -> Iterator[Lanes]:
    app, container = make_app(production_settings(tmp_path, postgres_url, redis_url, webhook_token))
    try:
        yield Lanes(app, container, f"token={webhook_token}")
    finally:
        container.close()


def _same(fast: Answer, flask: Answer) -> None:
    assert (fast.status, fast.headers, fast.body) == (flask.status, flask.headers, flask.body)


def _multipart(form: dict[str, str]) -> tuple[bytes, str]:
    boundary = "xYzZY"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in form.items()
    )
    return f"{parts}--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_the_app_is_wrapped_in_the_fast_lane(lanes: Lanes) -> None:
    assert isinstance(lanes.app.wsgi_app, UssdFastLane)


def test_a_hop_is_served_by_the_fast_lane_with_the_views_answer(lanes: Lanes) -> None:
    for text in ("", "1"):
        fast = lanes.fast(query=lanes.token, data={**FORM, "sessionId": "ATUid_f", "text": text})
        flask = lanes.flask(query=lanes.token, data={**FORM, "sessionId": "ATUid_v", "text": text})
        _same(fast, flask)
        assert fast.status == "200 OK" and fast.body.startswith(b"CON ")
        assert dict(fast.headers)["Content-Type"] == "text/plain; charset=utf-8"
        assert not fast.through_flask and flask.through_flask


@pytest.mark.parametrize("query", ["", "token=", "token=wrong", "other=1"])
def test_a_missing_or_wrong_token_gets_the_same_403_and_count(lanes: Lanes, query: str) -> None:
    fast, flask = lanes.both(query=query, data=FORM)
    _same(fast, flask)
    assert fast.status == "403 FORBIDDEN" and fast.body == b"forbidden\n"
    assert not fast.through_flask
    assert lanes.container.counters.totals().get("callback.forbidden") == 2


def test_a_body_over_16_kib_gets_the_same_413(lanes: Lanes) -> None:
    big = {**FORM, "text": "1" * (16 * 1024)}
    fast, flask = lanes.both(query=lanes.token, data=big)
    _same(fast, flask)
    assert fast.status == "413 REQUEST ENTITY TOO LARGE" and fast.body == b"413\n"
    assert not fast.through_flask


def test_a_body_of_16_kib_exactly_is_read(lanes: Lanes) -> None:
    """The limit itself is allowed: Flask refuses only what is larger."""
    padding = 16 * 1024 - len(urlencode({**FORM, "pad": ""}))
    padded = {**FORM, "pad": "x" * padding}
    assert len(urlencode(padded)) == 16 * 1024
    fast = lanes.fast(query=lanes.token, data=padded)
    flask = lanes.flask(query=lanes.token, data={**padded, "sessionId": "ATUid_v"})
    _same(fast, flask)
    assert fast.status == "200 OK" and fast.body.startswith(b"CON ") and not fast.through_flask


def test_a_large_body_without_the_token_gets_403_first(lanes: Lanes) -> None:
    fast, flask = lanes.both(query="token=wrong", data={**FORM, "text": "1" * 20000})
    _same(fast, flask)
    assert fast.status == "403 FORBIDDEN"


@pytest.mark.parametrize(
    "body",
    [b"sessionId=ATUid_x&phoneNumber=%2B258841234567&text=\xff\xfe", b"text=%ff%fe&sessionId=a"],
)
def test_an_undecodable_body_gets_the_same_bad_request_screen(lanes: Lanes, body: bytes) -> None:
    fast, flask = lanes.both(query=lanes.token, data=body)
    _same(fast, flask)
    assert fast.status == "200 OK" and fast.body.startswith(b"END ")
    assert not fast.through_flask
    assert lanes.container.counters.totals().get("ussd.malformed") == 2


@pytest.mark.parametrize(
    "form",
    [
        {**FORM, "sessionId": ""},
        {**FORM, "phoneNumber": "not a number"},
        {**FORM, "text": "1\x00"},
        {**FORM, "text": "1" * 2001},
    ],
)
def test_a_malformed_callback_gets_the_same_screen_log_and_count(
    lanes: Lanes, form: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="service.web.webhooks"):
        fast = lanes.fast(query=lanes.token, data=form)
        fast_log = [r.getMessage() for r in caplog.records]
        caplog.clear()
        flask = lanes.flask(query=lanes.token, data=form)
        flask_log = [r.getMessage() for r in caplog.records]
    _same(fast, flask)
    assert fast.body.startswith(b"END ") and not fast.through_flask
    assert fast_log == flask_log and fast_log[0].startswith("malformed USSD callback")
    assert lanes.container.counters.totals().get("ussd.malformed") == 2


def test_get_ussd_goes_to_flask_and_gets_405(lanes: Lanes) -> None:
    for method in ("GET", "PUT", "post"):
        # With a body and its length, as a POST would have: only the method differs.
        fast, flask = lanes.both(method=method, query=lanes.token, data=FORM)
        _same(fast, flask)
        assert fast.through_flask
    fast, flask = lanes.both(method="GET", query=lanes.token, data=b"", content_type=None)
    _same(fast, flask)
    assert fast.status.startswith("405") and fast.body == b"405\n"
    assert fast.through_flask


def test_other_paths_go_to_flask_unchanged(lanes: Lanes) -> None:
    for path in ("/healthz", "/ussd/", "/ussd/events", "/nowhere"):
        fast, flask = lanes.both(path=path, query=lanes.token, data=b"sessionId=a&status=Success")
        _same(fast, flask)
        assert fast.through_flask


def test_a_multipart_hop_falls_through_to_flask(lanes: Lanes) -> None:
    body, content_type = _multipart(FORM)
    fast = lanes.fast(query=lanes.token, data=body, content_type=content_type)
    other, _ = _multipart({**FORM, "sessionId": "ATUid_other"})
    flask = lanes.flask(query=lanes.token, data=other, content_type=content_type)
    _same(fast, flask)
    assert fast.body.startswith(b"CON ") and fast.through_flask


def test_a_body_without_a_content_length_falls_through_to_flask(lanes: Lanes) -> None:
    fast = lanes.fast(query=lanes.token, data=FORM, chunked=True)
    flask = lanes.flask(query=lanes.token, data={**FORM, "sessionId": "ATUid_c"}, chunked=True)
    _same(fast, flask)
    assert fast.body.startswith(b"CON ") and fast.through_flask


def test_a_body_shorter_than_its_content_length_is_answered_as_flask_does(lanes: Lanes) -> None:
    fast, flask = lanes.both(query=lanes.token, data=FORM, length=4000)
    _same(fast, flask)
    assert fast.status.startswith("400")


def test_a_failing_hop_gets_the_same_try_again_screen_never_a_500(
    lanes: Lanes, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(hop: object) -> object:
        raise RuntimeError("a bug below the webhook")

    monkeypatch.setattr(lanes.container.ussd, "handle", broken)
    with caplog.at_level(logging.ERROR, logger="service.web.webhooks"):
        fast, flask = lanes.both(query=lanes.token, data=FORM)
    _same(fast, flask)
    assert (
        fast.status == "200 OK"
        and fast.body == b"END " + lanes.container.try_again_reply().text.encode()
    )
    assert not fast.through_flask
    assert [r.getMessage() for r in caplog.records] == ["USSD hop failed"] * 2
    assert lanes.container.counters.totals().get("ussd.error") == 2


def test_on_the_embedded_default_only_flask_logins_vary_header_is_missing(tmp_path: Path) -> None:
    """With the desk mounted, Flask-Login's after_request reads the session on every request, so
    Flask adds `Vary: Cookie` to /ussd too. The lane has no session: that header alone differs."""
    app, container = make_app(embedded_settings(tmp_path))
    try:
        lanes = Lanes(app, container, "")
        fast = lanes.fast(data={**FORM, "sessionId": "ATUid_f"})
        flask = lanes.flask(data={**FORM, "sessionId": "ATUid_v"})
        assert (fast.status, fast.body) == (flask.status, flask.body)
        assert [*fast.headers, ("Vary", "Cookie")] == flask.headers
        assert not fast.through_flask
    finally:
        container.close()
