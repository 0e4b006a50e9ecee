"""Africa's Talking wire format: parse callbacks into our types, render USSD replies."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

from service.intake.ussd import UssdHop, UssdReply

MAX_ID_LENGTH = 128
# +258 8[2-7] and seven digits: every Mozambican mobile, already in E.164 (DOMAIN.md).
_MOZAMBICAN_MOBILE_E164 = re.compile(r"\+2588[2-7]\d{7}")
MAX_SHORT_FIELD = 64


class BadCallback(Exception):
    """A callback we will not act on; the message names the field, never its value."""


@dataclass(frozen=True)
class SessionEvent:
    """An end-of-session notice: only the status is kept (as a count)."""

    status: str


def parse_ussd(form: Mapping[str, str], max_text_length: int) -> UssdHop:
    """Validate a USSD callback; the new input is found later, from the previous text."""
    session_id = _required_id(form, "sessionId")
    phone = normalise_phone(form.get("phoneNumber", ""))
    text = form.get("text", "")
    if len(text) > max_text_length:
        raise BadCallback("text too long")
    _reject_control_characters(text, "text")
    for name in ("serviceCode", "networkCode"):
        value = form.get(name, "")
        if len(value) > MAX_SHORT_FIELD:
            raise BadCallback(f"{name} too long")
        _reject_control_characters(value, name)
    return UssdHop(session_id=session_id, phone=phone, text=text)


def parse_session_event(form: Mapping[str, str]) -> SessionEvent:
    """Keep the status word only; `input` (every answer typed) is dropped unread."""
    _required_id(form, "sessionId")
    status = form.get("status", "")
    if not status or len(status) > MAX_SHORT_FIELD or not status.isalnum():
        raise BadCallback("status")
    return SessionEvent(status=status)


def render_ussd_reply(reply: UssdReply) -> str:
    """Prefix the screen with END or CON, as the aggregator expects."""
    return ("END " if reply.ends else "CON ") + reply.text


def normalise_phone(raw: str) -> str:
    """Return the number in E.164, or raise BadCallback (which never carries the number)."""
    raw = raw.strip()
    if _MOZAMBICAN_MOBILE_E164.fullmatch(raw):
        return raw  # The aggregator's usual form: skip the full parse on the hot path.
    if not raw or len(raw) > 32:
        raise BadCallback("phoneNumber")
    try:
        number = phonenumbers.parse(raw, "MZ")
    except phonenumbers.NumberParseException:
        raise BadCallback("phoneNumber") from None
    if not phonenumbers.is_valid_number(number):
        raise BadCallback("phoneNumber")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _required_id(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value or len(value) > MAX_ID_LENGTH or not value.isprintable() or not value.isascii():
        raise BadCallback(name)
    return value


_CONTROL_AND_PRIVATE = frozenset({"Cc", "Cs", "Co"})
_CONTROL_PRIVATE_UNASSIGNED = _CONTROL_AND_PRIVATE | {"Cn"}


def _reject_control_characters(
    value: str, name: str, refused: frozenset[str] = _CONTROL_PRIVATE_UNASSIGNED
) -> None:
    if any(unicodedata.category(ch) in refused for ch in value):
        raise BadCallback(f"{name} has control characters")


# Delivery statuses: which are final, and which final failures are worth another try later.
DELIVERED = frozenset({"Success"})
NOT_FINAL = frozenset({"Sent", "Submitted", "Buffered"})
FAILED = frozenset({"Rejected", "Failed", "AbsentSubscriber", "Expired"})
FAILURE_REASONS = frozenset(
    {
        "InsufficientCredit",
        "InvalidLinkId",
        "UserIsInactive",
        "UserInBlackList",
        "UserAccountSuspended",
        "NotNetworkSubcriber",
        "NotNetworkSubscriber",
        "UserNotSubscribedToProduct",
        "UserDoesNotExist",
        "DeliveryFailure",
    }
)
MAX_SMS_TEXT = 1600
# A failure reason outside FAILURE_REASONS is stored with this prefix (failure_code is 48 long).
MAX_REASON_LENGTH = 40
UNRECOGNISED_REASON = "Unknown"


@dataclass(frozen=True)
class InboundSms:
    """An SMS sent to our short code or number."""

    message_id: str
    sender: str
    text: str
    link_id: str | None


@dataclass(frozen=True)
class DeliveryReport:
    """The aggregator's word on one message we sent."""

    message_id: str
    status: str
    failure_reason: str | None


def parse_inbound_sms(form: Mapping[str, str]) -> InboundSms:
    """Validate an incoming SMS callback (`from`, `to`, `text`, `date`, `id`, `linkId`)."""
    message_id = _required_id(form, "id")
    sender = normalise_phone(form.get("from", ""))
    text = form.get("text", "")
    if len(text) > MAX_SMS_TEXT:
        raise BadCallback("text too long")
    # Line breaks and tabs are ordinary in an SMS; so are characters newer than Python's
    # Unicode tables (a new emoji): refusing them would lose the message after 12 h of retries.
    _reject_control_characters(
        text.replace("\n", " ").replace("\r", " ").replace("\t", " "),
        "text",
        refused=_CONTROL_AND_PRIVATE,
    )
    link_id = form.get("linkId") or None
    if link_id is not None and (len(link_id) > MAX_ID_LENGTH or not link_id.isprintable()):
        raise BadCallback("linkId")
    return InboundSms(message_id=message_id, sender=sender, text=text, link_id=link_id)


def parse_delivery_report(form: Mapping[str, str]) -> DeliveryReport:
    """Validate a delivery report; unknown statuses are refused, not guessed."""
    message_id = _required_id(form, "id")
    status = form.get("status", "")
    if status not in DELIVERED | NOT_FINAL | FAILED:
        raise BadCallback("status")
    return DeliveryReport(
        message_id=message_id, status=status, failure_reason=_failure_reason(form)
    )


def _failure_reason(form: Mapping[str, str]) -> str | None:
    """The failure reason as we store it; one we have never seen is kept, never refused.

    Refusing it would leave a failed alert unrecorded (and the case waiting for its deadline):
    an unknown reason is stored under its own name when that is a short plain word, else as
    UNRECOGNISED_REASON; the status alone says whether the failure is final.
    """
    reason = form.get("failureReason") or None
    if reason is None or reason in FAILURE_REASONS:
        return reason
    if reason.isascii() and reason.isalnum() and len(reason) <= MAX_REASON_LENGTH:
        return "Unknown:" + reason
    return UNRECOGNISED_REASON
