"""Africa's Talking wire format: parse callbacks into our types, render USSD replies."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from service.intake.ussd import UssdHop, UssdReply
from service.messaging.phone_numbers import InvalidPhoneNumber, normalise_phone

MAX_ID_LENGTH = 128
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
    phone = _phone(form, "phoneNumber")
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


def _phone(form: Mapping[str, str], name: str) -> str:
    """The field's number in E.164, or BadCallback naming the field (never the number)."""
    try:
        return normalise_phone(form.get(name, ""))
    except InvalidPhoneNumber:
        raise BadCallback(name) from None


def _required_id(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value or len(value) > MAX_ID_LENGTH or not value.isprintable() or not value.isascii():
        raise BadCallback(name)
    return value


_CONTROL_PRIVATE_UNASSIGNED = frozenset({"Cc", "Cs", "Co", "Cn"})


def _reject_control_characters(value: str, name: str) -> None:
    """USSD only: a handset cannot type these, so a USSD field carrying one is malformed."""
    if any(unicodedata.category(ch) in _CONTROL_PRIVATE_UNASSIGNED for ch in value):
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
_SURROGATES = re.compile("[\ud800-\udfff]")
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
    sender = _phone(form, "from")
    # Every character is kept, control, private-use and unassigned ones included: the text is
    # sealed, never shown raw, and a refusal would lose the message after 12 h of retries. How
    # much of it is kept is the inbox's rule (service/casework/sms_inbox.py), answered by SMS.
    # Only lone surrogates (no UTF-8 body can carry them) become U+FFFD, so the text encodes.
    text = _SURROGATES.sub("\ufffd", form.get("text", ""))
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
