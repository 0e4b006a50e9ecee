"""A phone that talks to the service exactly as Africa's Talking does: form POSTs, `text` grows."""

from __future__ import annotations

import secrets
from functools import cache

import requests

from flows import load_bundle, render_ussd, system_screen


@cache
def busy_screens() -> frozenset[str]:
    """The "service busy, try again" screen in every language: what a hop that failed shows."""
    bundle = load_bundle()
    return frozenset(
        render_ussd(bundle, lang, system_screen("sys.try_again")) for lang in ("pt", "en")
    )


def system_text(key: str, lang: str = "pt") -> str:
    """A system screen's text as the phone shows it (e.g. "status.unknown")."""
    return render_ussd(load_bundle(), lang, system_screen(key))


class Phone:
    """One handset. `dial()` opens a session; `send(x)` answers the screen shown.

    A journey never passes on the "service busy" screen (a failed hop shows it, with a 200):
    the phone refuses it unless told that the test expects it (`busy_ok`, for fault tests).
    """

    def __init__(
        self, base_url: str, number: str, token: str | None = None, *, busy_ok: bool = False
    ) -> None:
        self.base_url = base_url
        self.number = number
        self.token = token
        self.busy_ok = busy_ok
        self.session_id = ""
        self.text = ""
        self.screen = ""
        self.ended = True
        # Seconds to wait for a reply; the aggregator itself gives up after about 10.
        self.timeout = 15.0
        self._http = requests.Session()

    def dial(self) -> str:
        self.session_id = "ATUid_" + secrets.token_hex(8)
        self.text = ""
        return self._hop()

    def send(self, answer: str) -> str:
        assert not self.ended, f"the session has ended; last screen: {self.screen!r}"
        self.text = answer if self.text == "" else f"{self.text}*{answer}"
        return self._hop()

    def repeat(self) -> str:
        """Send the same callback again, as an aggregator retry would."""
        return self._hop()

    def walk(self, *answers: str) -> str:
        self.dial()
        for answer in answers:
            self.send(answer)
        return self.screen

    def post(self, fields: dict[str, str]) -> requests.Response:
        params = {"token": self.token} if self.token else {}
        return self._http.post(
            f"{self.base_url}/ussd", data=fields, params=params, timeout=self.timeout
        )

    def _hop(self) -> str:
        response = self.post(
            {
                "sessionId": self.session_id,
                "serviceCode": "*123#",
                "phoneNumber": self.number,
                "networkCode": "63902",
                "text": self.text,
            }
        )
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/plain")
        kind, _, screen = response.text.partition(" ")
        assert kind in {"CON", "END"}, response.text
        assert len(screen) <= 160 and screen.isascii(), screen
        self.ended = kind == "END"
        self.screen = screen
        assert self.busy_ok or screen not in busy_screens(), f"the service was busy: {screen!r}"
        return screen
