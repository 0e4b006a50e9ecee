"""Africa's Talking SMS API through the official SDK, with its status codes as data."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService

from service.messaging.africastalking.keep_alive import KeepAliveSMSService
from service.messaging.gateway import Accepted, FailureClass, NotAccepted, SendResult

log = logging.getLogger(__name__)

# Per-recipient statusCode values (HTTP 200 all the same).
ACCEPTED_CODES = frozenset({100, 101, 102})
TEMPORARY_CODES = frozenset({500, 501, 502})
FINAL_CODES = frozenset({401, 402, 403, 404, 405, 406, 407, 409})
# connect, read (seconds): the SDK's default read timeout of 9 s would hold a worker longer.
TIMEOUT = (3.05, 9.05)


class AfricasTalkingGateway:
    """Send through `SMSService`, built here (no SDK globals); never logs a number or a body."""

    def __init__(
        self,
        username: str,
        api_key: str,
        sender_id: str | None = None,
        base_url: str | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        *,
        keep_alive: bool = True,
    ) -> None:
        # Keep-alive saves a TCP (and, in production, TLS) handshake per SMS.
        service_class = KeepAliveSMSService if keep_alive else SMSService
        self._service = service_class(username, api_key)
        if base_url:
            # The SDK has no public setting for this; it posts to {base}/version1/messaging.
            self._service._baseUrl = base_url.rstrip("/") + "/version1"
        self._sender_id = sender_id
        self._timeout = timeout

    def send(self, recipient: str, body: str) -> SendResult:
        try:
            response = self._service.send(
                body, [recipient], sender_id=self._sender_id, timeout=self._timeout
            )
        except ValueError:
            # The SDK's message holds the number: drop it, keep only the class of the problem.
            return NotAccepted("final", "invalid_number")
        except requests.exceptions.ReadTimeout:
            return NotAccepted("ambiguous", "read_timeout")
        except requests.exceptions.JSONDecodeError:
            # A 2xx whose JSON is broken: the message may well have gone.
            return NotAccepted("ambiguous", "unreadable_response")
        except requests.exceptions.RequestException as error:
            return NotAccepted("temporary", "network_" + type(error).__name__[:30])
        except AfricasTalkingException:
            # Raised for any non-2xx; its text is the response body, which we never log.
            return NotAccepted("temporary", "http_error")
        return classify_response(response)


def classify_response(response: object) -> SendResult:
    """Read the one recipient's status out of the SDK's parsed response."""
    if not isinstance(response, Mapping):
        # Not JSON (the SDK returns text when the content type is not application/json).
        return NotAccepted("ambiguous", "unreadable_response")
    recipients = _recipients(response)
    if len(recipients) != 1:
        # No recipient listed: AT refused the whole request (e.g. "InvalidSenderId").
        return NotAccepted("final", "no_recipient")
    entry = recipients[0]
    code = _int(entry.get("statusCode"))
    if code in ACCEPTED_CODES:
        message_id = str(entry.get("messageId") or "")
        if not message_id or message_id == "None":
            return NotAccepted("ambiguous", "no_message_id")
        return Accepted(message_id[:128])
    kind: FailureClass = "temporary" if code in TEMPORARY_CODES else "final"
    if code not in TEMPORARY_CODES | FINAL_CODES:
        log.warning("unknown Africa's Talking status code %s; treated as final", code)
    return NotAccepted(kind, f"status_{code}")


def _recipients(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    data = response.get("SMSMessageData")
    if not isinstance(data, Mapping):
        return []
    recipients = data.get("Recipients")
    if not isinstance(recipients, list):
        return []
    return [r for r in recipients if isinstance(r, Mapping)]


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
