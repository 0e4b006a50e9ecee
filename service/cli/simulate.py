"""A terminal phone for trying the menus against a running service, as the aggregator would."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

TIMEOUT_SECONDS = 15
# How long `--sms` waits for the embedded service to write its answers to the local SMS log.
REPLY_WAIT_SECONDS = 10.0


def post_hop(url: str, session_id: str, phone: str, service_code: str, text: str) -> str:
    """Send one USSD callback and return the reply body (`CON …` or `END …`)."""
    body = urllib.parse.urlencode(
        {
            "sessionId": session_id,
            "serviceCode": service_code,
            "phoneNumber": phone,
            "networkCode": "99999",
            "text": text,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own service
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # the URL is the user's own service, http(s) checked above - same URL
        return str(response.read().decode("utf-8"))


def run_simulator(
    url: str,
    phone: str,
    service_code: str,
    ask: Callable[[str], str],
    say: Callable[[str], None],
) -> int:
    """Walk one session: show each screen, ask for input, until the service says END."""
    session_id = "SIM" + secrets.token_hex(8)
    text = ""
    while True:
        try:
            reply = post_hop(url, session_id, phone, service_code, text)
        except (urllib.error.URLError, OSError) as error:
            say(f"[network error: {error}]")
            return 1
        kind, _, screen = reply.partition(" ")
        say("-" * 32)
        say(screen)
        say("-" * 32)
        if kind != "CON":
            return 0 if kind == "END" else 1
        answer = ask("Reply")
        text = answer if text == "" else f"{text}*{answer}"


def sms_url(ussd_url: str) -> str:
    """The inbound SMS callback next to the USSD one (same host, same `?token=`)."""
    parts = urllib.parse.urlsplit(ussd_url)
    path = parts.path.rsplit("/ussd", 1)[0] + "/sms/inbound"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def post_sms(url: str, phone: str, text: str) -> int:
    """Send one inbound SMS callback, as the aggregator does; returns the HTTP status."""
    body = urllib.parse.urlencode(
        {
            "from": phone,
            "to": "12345",
            "text": text,
            "date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "id": "SIM" + secrets.token_hex(8),
            "linkId": "",
            "networkCode": "99999",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own service
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # the user's own service URL, as on line 33
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def run_sms(
    url: str, phone: str, text: str, outbox_log: Path | None, say: Callable[[str], None]
) -> int:
    """Text the service once; with the embedded defaults, show the SMS it sends in answer."""
    before = _log_lines(outbox_log)
    try:
        status = post_sms(sms_url(url), phone, text)
    except (urllib.error.URLError, OSError) as error:
        say(f"[network error: {error}]")
        return 1
    if status != 200:
        say(f"[the service answered HTTP {status}]")
        return 1
    if outbox_log is None:
        say("SMS delivered to the service; its answers go out through the SMS gateway.")
        return 0
    answers = _wait_for_new_lines(outbox_log, before)
    if not answers:
        say(f"SMS delivered to the service; no answer yet (see {outbox_log}).")
    for answer in answers:
        say("SMS out: " + answer)
    return 0


def _log_lines(path: Path | None) -> int:
    if path is None or not path.exists():
        return 0
    return len(path.read_text(encoding="utf-8").splitlines())


def _wait_for_new_lines(path: Path, before: int) -> list[str]:
    """Texts the service wrote to the local SMS log after `before` lines, once it goes quiet."""
    deadline = time.monotonic() + REPLY_WAIT_SECONDS
    seen = before
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        count = _log_lines(path)
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif count > before and time.monotonic() - quiet_since > 1.0:
            break
        time.sleep(0.2)
    lines = path.read_text(encoding="utf-8").splitlines()[before:] if path.exists() else []
    return [str(json.loads(line).get("text", "")) for line in lines if line.strip()]
