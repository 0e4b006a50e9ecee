"""The embedded mode's aggregator: outbound SMS appended to a local file, the developer's phone."""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from service.messaging.gateway import Accepted, SendResult

# A number in E.164 inside a text (an officer's TEL reply carries the reporter's number).
_E164 = re.compile(r"\+\d{8,15}")


def masked_recipient(number: str) -> str:
    """The number as the log shows it: its last two digits, enough to tell two phones apart."""
    return "*" * max(len(number) - 2, 0) + number[-2:]


class OutboxLogGateway:
    """Append each SMS as one JSON line to a 0600 file that is not the application log.

    The recipient is written masked (`masked_recipient`): the file is a developer's phone, not a
    place where numbers may rest in clear.
    """

    def __init__(self, path: Path, clock: Callable[[], datetime]) -> None:
        self._path = path
        self._clock = clock
        self._guard = threading.Lock()

    def send(self, recipient: str, body: str) -> SendResult:
        message_id = "local-" + secrets.token_hex(8)
        line = json.dumps(
            {
                "at": self._clock().isoformat(),
                "id": message_id,
                "to": masked_recipient(recipient),
                "text": _E164.sub(lambda found: masked_recipient(found.group()), body),
            },
            ensure_ascii=False,
        )
        with self._guard:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as file:
                file.write(line + "\n")
        return Accepted(message_id)
