"""The Africa's Talking adapter turns callbacks into our types and refuses what is malformed."""

from __future__ import annotations

import pytest

from service.intake.ussd import UssdReply
from service.messaging.africastalking.callbacks import (
    BadCallback,
    parse_delivery_report,
    parse_inbound_sms,
    parse_session_event,
    parse_ussd,
    render_ussd_reply,
)
from service.messaging.phone_numbers import InvalidPhoneNumber, normalise_phone

FORM = {
    "sessionId": "ATUid_1",
    "serviceCode": "*123#",
    "phoneNumber": "+258841234567",
    "networkCode": "63902",
    "text": "1*2*a*b",
}


def test_a_good_ussd_callback_keeps_the_whole_text_path() -> None:
    hop = parse_ussd(FORM, 2000)
    assert (hop.session_id, hop.phone, hop.text) == ("ATUid_1", "+258841234567", "1*2*a*b")


@pytest.mark.parametrize(
    "raw", ["+258841234567", "841234567", "258 84 123 4567", "+258 84-123-4567"]
)
def test_mozambican_numbers_are_normalised_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+258841234567"


@pytest.mark.parametrize("raw", ["", "abc", "+2588", "12", "+258" + "9" * 30])
def test_invalid_numbers_are_refused_without_echoing_them(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise_phone(raw)
    assert raw.strip() == "" or raw not in str(caught.value)


@pytest.mark.parametrize("raw", ["", "abc", "+2588", "+258801234567"])
def test_a_callback_with_a_bad_number_is_malformed_and_names_the_field_not_the_number(
    raw: str,
) -> None:
    with pytest.raises(BadCallback, match=r"^phoneNumber$"):
        parse_ussd({**FORM, "phoneNumber": raw}, 2000)
    with pytest.raises(BadCallback, match=r"^from$"):
        parse_inbound_sms({"id": "m1", "from": raw, "text": "STOP"})


def test_callbacks_read_national_numbers_as_mozambican() -> None:
    assert parse_ussd({**FORM, "phoneNumber": "84 123 4567"}, 2000).phone == "+258841234567"


def test_replies_carry_con_or_end() -> None:
    assert render_ussd_reply(UssdReply("Menu", False)) == "CON Menu"
    assert render_ussd_reply(UssdReply("Bye", True)) == "END Bye"


def test_end_of_session_notices_keep_only_the_status() -> None:
    event = parse_session_event({"sessionId": "s", "status": "Success", "input": "1*secret"})
    assert event.status == "Success" and "secret" not in repr(event)


def test_delivery_reports_accept_both_spellings_of_not_network_subscriber() -> None:
    for reason in ("NotNetworkSubcriber", "NotNetworkSubscriber"):
        report = parse_delivery_report({"id": "AT1", "status": "Failed", "failureReason": reason})
        assert report.failure_reason == reason
    with pytest.raises(BadCallback):
        parse_delivery_report({"id": "AT1", "status": "Delivered?"})


def test_inbound_sms_are_validated() -> None:
    sms = parse_inbound_sms({"id": "m1", "from": "+258841234567", "text": "STOP", "to": "123"})
    assert (sms.message_id, sms.sender, sms.text) == ("m1", "+258841234567", "STOP")
    with pytest.raises(BadCallback):
        parse_inbound_sms({"id": "m1", "from": "", "text": "STOP"})


@pytest.mark.parametrize(
    "odd",
    ["\x00", "\x1b[2J", "\x7f", "\ue000", "\U000f0000", "\U0010fffd", "\U000e0001", "\u0378"],
)
def test_an_sms_with_control_private_use_or_unassigned_characters_is_kept_whole(odd: str) -> None:
    text = f"ajuda {odd} por favor"
    sms = parse_inbound_sms({"id": "m3", "from": "+258841234567", "text": text})
    assert sms.text == text


def test_an_sms_longer_than_any_limit_is_parsed_not_refused() -> None:
    sms = parse_inbound_sms({"id": "m4", "from": "+258841234567", "text": "a" * 5000})
    assert len(sms.text) == 5000


@pytest.mark.parametrize(
    "raw", ["+258821234567", "+258871234567", "+254712345678", "+258891234567", "+25821123456"]
)
def test_the_fast_path_and_the_full_parse_agree(raw: str) -> None:
    import phonenumbers

    parsed = phonenumbers.parse(raw, "MZ")
    assert phonenumbers.is_valid_number(parsed)
    assert normalise_phone(raw) == phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164
    )


def test_the_fast_path_does_not_accept_what_the_full_parse_refuses() -> None:
    for raw in ["+258801234567", "+25882123456", "+2588212345678"]:
        with pytest.raises(InvalidPhoneNumber):
            normalise_phone(raw)


def test_an_sms_with_tabs_line_breaks_or_a_character_newer_than_our_tables_is_kept() -> None:
    unassigned = "\U0001fae9"  # assigned after Python 3.11's Unicode tables
    text = f"linha 1\n\tlinha 2 {unassigned}"
    sms = parse_inbound_sms({"id": "m2", "from": "+258841234567", "text": text})
    assert sms.text == text


def test_a_failure_reason_never_seen_is_kept_under_a_safe_name_never_refused() -> None:
    def reason_of(raw: str) -> str | None:
        form = {"id": "AT1", "status": "Failed", "failureReason": raw}
        return parse_delivery_report(form).failure_reason

    assert reason_of("SimCardLost") == "Unknown:SimCardLost"
    # Anything that is not a short plain word is not stored as given.
    assert reason_of("drop table; --") == "Unknown"
    assert reason_of("X" * 41) == "Unknown"
    assert reason_of("DeliveryFailure") == "DeliveryFailure"
