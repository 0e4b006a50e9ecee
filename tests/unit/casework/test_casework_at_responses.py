"""Africa's Talking responses as data: per-recipient status codes decide send, retry or give up."""

from __future__ import annotations

import pytest

from service.messaging.africastalking.sms_client import classify_response
from service.messaging.gateway import Accepted, NotAccepted


def response(status_code: object, message_id: str = "ATXid_1") -> dict[str, object]:
    return {
        "SMSMessageData": {
            "Message": "Sent to 1/1",
            "Recipients": [
                {
                    "statusCode": status_code,
                    "number": "+258840000000",
                    "status": "Success",
                    "cost": "MZN 1.00",
                    "messageId": message_id,
                }
            ],
        }
    }


@pytest.mark.parametrize("code", [100, 101, 102, "101"])
def test_accepted_codes_give_the_message_id(code: object) -> None:
    assert classify_response(response(code)) == Accepted("ATXid_1")


@pytest.mark.parametrize("code", [500, 501, 502])
def test_server_side_codes_are_temporary(code: int) -> None:
    assert classify_response(response(code)) == NotAccepted("temporary", f"status_{code}")


@pytest.mark.parametrize("code", [401, 402, 403, 404, 405, 406, 407, 409])
def test_request_side_codes_are_final(code: int) -> None:
    assert classify_response(response(code)) == NotAccepted("final", f"status_{code}")


def test_an_unknown_code_is_final_rather_than_retried_forever() -> None:
    assert classify_response(response(499)) == NotAccepted("final", "status_499")


def test_a_text_answer_or_a_missing_message_id_is_ambiguous() -> None:
    assert classify_response("Sent") == NotAccepted("ambiguous", "unreadable_response")
    assert classify_response(response(101, "None")) == NotAccepted("ambiguous", "no_message_id")


def test_no_recipient_listed_is_final() -> None:
    empty = {"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}}
    assert classify_response(empty) == NotAccepted("final", "no_recipient")
    assert classify_response({}) == NotAccepted("final", "no_recipient")
