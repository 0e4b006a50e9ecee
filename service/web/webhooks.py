"""Aggregator callbacks: authenticate, parse, call one handler, reply. Nothing else happens here."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request

from service.bootstrap.web import WebContainer
from service.intake.ussd import UssdReply
from service.messaging.africastalking.callbacks import (
    BadCallback,
    parse_delivery_report,
    parse_inbound_sms,
    parse_session_event,
    parse_ussd,
    render_ussd_reply,
)

log = logging.getLogger(__name__)

FORBIDDEN_BODY = "forbidden\n"


def error_body(status: int) -> str:
    """What a client error (404, 405, 413) says: its code, nothing about the request."""
    return f"{status}\n"


webhooks = Blueprint("webhooks", __name__)


def _container() -> WebContainer:
    container: WebContainer = current_app.extensions["handsoff"]
    return container


@webhooks.before_request
def require_token() -> Response | None:
    if token_accepted(_container(), request.environ.get("QUERY_STRING", "")):
        return None
    return _plain(FORBIDDEN_BODY, 403)


def token_accepted(container: WebContainer, query: str) -> bool:
    """With WEBHOOK_TOKEN set, every callback must carry it as ?token=… (constant-time compare)."""
    expected = container.settings.webhook_token
    if not expected:
        return True
    given = _query_token(query)
    if hmac.compare_digest(given.encode(), expected.encode()):
        return True
    # Counted in memory: a request without the token touches neither SQL nor Redis.
    container.counters.note("callback.forbidden")
    return False


@webhooks.post("/ussd")
def ussd() -> Response:
    # Normally served by the fast lane (service/web/fast_lane.py); a multipart body, one
    # without a plain Content-Length, or one shorter than its length comes here.
    return _plain(answer_ussd(_container(), _form()))


def answer_ussd(container: WebContainer, form: Mapping[str, str]) -> str:
    """The reply body for one USSD callback, whichever lane read it; a failing hop gets the
    try-again screen, never an error."""
    try:
        hop = parse_ussd(form, container.settings.limits.max_text_length)
    except BadCallback as error:
        log.info("malformed USSD callback: %s", error)
        container.counters.bump("ussd.malformed")
        return render_ussd_reply(container.bad_request_reply())
    try:
        reply = container.ussd.handle(hop)
    except Exception:
        # Last line of defence: the reporter sees a short screen, never a network error.
        log.exception("USSD hop failed")
        container.counters.note("ussd.error")  # The database may be what failed: no SQL.
        reply = container.try_again_reply()
    return render_ussd_reply(reply)


@webhooks.post("/ussd/events")
def ussd_events() -> Response:
    container = _container()
    try:
        event = parse_session_event(_form())
    except BadCallback:
        container.counters.bump("ussd.events.malformed")
        return _plain("bad request\n", 400)
    container.counters.bump(f"ussd.ended.{event.status[:40]}")
    return _plain("")


@webhooks.post("/sms/inbound")
def sms_inbound() -> Response:
    container = _container()
    try:
        message = parse_inbound_sms(_form())
    except BadCallback as error:
        log.info("malformed inbound SMS callback: %s", error)
        container.counters.bump("sms.inbound.malformed")
        return _plain("bad request\n", 400)
    try:
        container.sms_inbox.receive(message)
    except Exception:
        # Not stored: answer 503 so the aggregator retries (it does, for 12 hours).
        log.exception("inbound SMS not handled; asking the aggregator to retry")
        return _plain("retry later\n", 503)
    return _plain("")


@webhooks.post("/sms/delivery")
def sms_delivery() -> Response:
    container = _container()
    try:
        report = parse_delivery_report(_form())
    except BadCallback as error:
        log.info("malformed delivery report: %s", error)
        container.counters.bump("sms.delivery.malformed")
        return _plain("bad request\n", 400)
    try:
        container.sms_inbox.delivery_report(report)
    except Exception:
        log.exception("delivery report not recorded; asking the aggregator to retry")
        return _plain("retry later\n", 503)
    return _plain("")


def _query_token(query: str) -> str:
    """The first `token` of the query string, as `request.args` would give it.

    Read with parse_qsl rather than `request.args`: that builds a MultiDict of the whole query
    on every callback, about twice the CPU (docs/performance.md, "Leaner hop").
    """
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "token":
            return value
    return ""


def _form() -> Mapping[str, str]:
    if is_multipart(request.environ.get("CONTENT_TYPE", "")):
        return request.form
    return decode_form(request.get_data(cache=True))


def is_multipart(content_type: str) -> bool:
    """The media type straight from the header: `request.mimetype` parses its options too."""
    return content_type.partition(";")[0].strip().lower() == "multipart/form-data"


def decode_form(body: bytes) -> Mapping[str, str]:
    """Decode a url-encoded body strictly: bytes that are not UTF-8 are a malformed callback."""
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError):
        return {"__undecodable__": "1"}


def _plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


__all__ = [
    "FORBIDDEN_BODY",
    "UssdReply",
    "answer_ussd",
    "decode_form",
    "error_body",
    "is_multipart",
    "token_accepted",
    "webhooks",
]
