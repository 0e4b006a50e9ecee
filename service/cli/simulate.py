"""A terminal phone for trying the menus against a running service, as the aggregator would."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

TIMEOUT_SECONDS = 15


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
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - same URL
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
