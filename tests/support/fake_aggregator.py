"""Africa's Talking's SMS API on a loopback port, and handsets that text the service like AT does.

The fake answers `POST /version1/messaging` exactly as the real API does (form fields in, JSON
with per-recipient status codes out, content type `application/json`), records every message it
accepts, and can be told to fail: HTTP errors, per-recipient status codes, slow answers, or
answers held back until the test releases them (a client times out first, whatever the load).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests

API_KEY = "fake-at-key-" + "k" * 20
USERNAME = "handsoff"
ACCEPTED = 101


@dataclass(frozen=True)
class SentSms:
    """One message the fake aggregator accepted."""

    to: str
    text: str
    sender_id: str | None
    message_id: str


@dataclass(frozen=True)
class _Behaviour:
    http_status: int = 200
    status_code: int = ACCEPTED
    delay: float = 0.0
    hold: bool = False


class FakeAggregator:
    """A local stand-in for the SMS API; thread-safe, started and stopped by `running()`."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.requests = 0
        self.answered = 0
        self.connections = 0  # TCP connections accepted
        self._released = threading.Event()
        self._script: deque[_Behaviour] = deque()
        self._guard = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    # -- scripting -----------------------------------------------------------------------------

    def fail_next(self, count: int, http_status: int = 500) -> None:
        """Answer the next `count` requests with an HTTP error (the SDK raises)."""
        self._add(count, _Behaviour(http_status=http_status))

    def reject_next(self, count: int, status_code: int) -> None:
        """Answer the next `count` with HTTP 200 and a failing per-recipient status code."""
        self._add(count, _Behaviour(status_code=status_code))

    def delay_next(self, count: int, seconds: float) -> None:
        """Accept the next `count`, but only after `seconds` (a client may time out first)."""
        self._add(count, _Behaviour(delay=seconds))

    def hold_next(self, count: int) -> None:
        """Take the next `count`, but accept and answer them only after `release()`."""
        self._add(count, _Behaviour(hold=True))

    def release(self) -> None:
        """Let every held request go on: each is accepted (recorded), then answered."""
        self._released.set()

    def _add(self, count: int, behaviour: _Behaviour) -> None:
        with self._guard:
            self._script.extend([behaviour] * count)

    # -- reading -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "not running"
        return f"http://127.0.0.1:{self._server.server_port}"

    def to(self, number: str) -> list[str]:
        """The texts accepted for one number, in order."""
        with self._guard:
            return [sms.text for sms in self.sent if sms.to == number]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Wait until `condition()` holds (checked at each accepted message and every 0.1 s)."""
        deadline = time.monotonic() + timeout
        with self._guard:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._guard.wait(min(left, 0.1))
        return True

    def settled(self, timeout: float = 20.0) -> bool:
        """Wait until every request received so far has been handled (none held or in flight).

        Once the worker is idle too, what `to()` returns is final: a late copy cannot follow.
        """
        return self.wait_for(lambda: self.answered == self.requests, timeout)

    # -- serving -------------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[FakeAggregator]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._server = server
        thread.start()
        try:
            yield self
        finally:
            self.release()  # a held request must not keep its thread past the test
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def _connected(self) -> None:
        with self._guard:
            self.connections += 1

    def _answer(self, form: dict[str, str]) -> tuple[int, str, str]:
        """Return (HTTP status, content type, body) for one messaging request."""
        with self._guard:
            self.requests += 1
            behaviour = self._script.popleft() if self._script else _Behaviour()
        try:
            return self._behave(behaviour, form)
        finally:
            with self._guard:
                self.answered += 1
                self._guard.notify_all()

    def _behave(self, behaviour: _Behaviour, form: dict[str, str]) -> tuple[int, str, str]:
        if behaviour.hold:
            self._released.wait()
        if behaviour.delay:
            time.sleep(behaviour.delay)
        if behaviour.http_status != 200:
            return behaviour.http_status, "text/plain", "Internal error"
        to = form.get("to", "")
        message_id = "ATXid_" + secrets.token_hex(12)
        recipient: dict[str, object] = {
            "statusCode": behaviour.status_code,
            "number": to,
            "status": "Success" if behaviour.status_code == ACCEPTED else "Failed",
            "cost": "MZN 1.00" if behaviour.status_code == ACCEPTED else "0",
            "messageId": message_id if behaviour.status_code == ACCEPTED else "None",
        }
        if behaviour.status_code == ACCEPTED:
            with self._guard:
                self.sent.append(SentSms(to, form.get("message", ""), form.get("from"), message_id))
                self._guard.notify_all()
        body = {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [recipient]}}
        return 201, "application/json", json.dumps(body)


def _handler_for(fake: FakeAggregator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as the real API: a client that reuses its connection is seen doing so.
        protocol_version = "HTTP/1.1"
        # As real HTTP servers do: without it the body, written after the headers, waits for
        # the client's delayed ACK (~40 ms) on a kept connection.
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            fake._connected()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.path != "/version1/messaging":
                self._reply(404, "text/plain", "not found")
                return
            if self.headers.get("apiKey") != API_KEY:
                self._reply(401, "text/plain", "The supplied authentication is invalid")
                return
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            if form.get("username") != USERNAME:
                self._reply(401, "text/plain", "Invalid username")
                return
            status, content_type, body = fake._answer(form)
            # The client may have given up waiting (a read timeout).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._reply(status, content_type, body)

        def _reply(self, status: int, content_type: str, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


class SmsHandset:
    """A phone that texts the service as the aggregator relays it: form POSTs to /sms/inbound."""

    def __init__(self, base_url: str, number: str, token: str | None) -> None:
        self.base_url = base_url
        self.number = number
        self.token = token
        self.last_id = ""
        self._http = requests.Session()

    def text(self, body: str) -> requests.Response:
        self.last_id = "ATXid_in_" + secrets.token_hex(10)
        return self._post(body, self.last_id)

    def retry_last(self, body: str) -> requests.Response:
        """The aggregator's retry of the last message: same id."""
        return self._post(body, self.last_id)

    def _post(self, body: str, message_id: str) -> requests.Response:
        fields = {
            "from": self.number,
            "to": "12345",
            "text": body,
            "date": "2025-01-01 10:00:00",
            "id": message_id,
            "linkId": "",
            "networkCode": "63902",
        }
        params = {"token": self.token} if self.token else {}
        response = self._http.post(
            f"{self.base_url}/sms/inbound", data=fields, params=params, timeout=15
        )
        assert response.status_code == 200, response.text
        return response


def post_delivery_report(
    base_url: str, token: str | None, message_id: str, status: str, reason: str | None = None
) -> requests.Response:
    """Send a delivery report for one message, as the aggregator does."""
    fields = {"id": message_id, "status": status, "phoneNumber": "+258840000000"}
    if reason:
        fields["failureReason"] = reason
    params = {"token": token} if token else {}
    return requests.post(f"{base_url}/sms/delivery", data=fields, params=params, timeout=15)
