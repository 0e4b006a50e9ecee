"""The outbound SMS port: send one message to one number and say plainly what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

FailureClass = Literal["temporary", "final", "ambiguous"]


@dataclass(frozen=True)
class Accepted:
    """The aggregator took the message; delivery reports will follow under `message_id`."""

    message_id: str


@dataclass(frozen=True)
class NotAccepted:
    """The message did not (or may not) go: `kind` says whether another try makes sense.

    temporary: it did not go and may go later (network down, HTTP 5xx, status 500-502);
    final: it will never go as it is (invalid number, blacklisted, status 401-407 or 409);
    ambiguous: it may have gone (a read timeout), so a retry could send it twice.
    `code` names the cause in a few ASCII characters, never the number or the text.
    """

    kind: FailureClass
    code: str


SendResult = Accepted | NotAccepted


class SmsGateway(Protocol):
    """Where outbound SMS go: an aggregator, or the local outbox log of the embedded mode."""

    def send(self, recipient: str, body: str) -> SendResult: ...
