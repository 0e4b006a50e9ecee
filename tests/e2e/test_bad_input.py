"""Malformed, hostile or unauthenticated callbacks get a short answer, never a 500."""

from __future__ import annotations

import pytest
import requests

from tests.support.backends import RunningService

GOOD = {
    "sessionId": "ATUid_bad_input",
    "serviceCode": "*123#",
    "phoneNumber": "+258841234567",
    "networkCode": "63902",
    "text": "",
}


def post(service: RunningService, path: str, data: object, **kwargs: object) -> requests.Response:
    params = {"token": service.settings.webhook_token} if service.settings.webhook_token else {}
    return requests.post(f"{service.url}{path}", data=data, params=params, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"sessionId": ""},
        {"phoneNumber": ""},
        {"phoneNumber": "not a number"},
        {"phoneNumber": "+2588"},
        {"text": "1" * 10_000},
        {"text": "1\x00*2"},
        {"text": "\x1b[31m"},
        {"sessionId": "x" * 500},
        {"serviceCode": "*" * 100},
    ],
    ids=lambda change: next(iter(change)) + ":" + str(next(iter(change.values())))[:12],
)
def test_a_malformed_ussd_callback_gets_a_short_end_screen_and_is_counted(
    service: RunningService, change: dict[str, str]
) -> None:
    response = post(service, "/ussd", {**GOOD, **change})
    assert response.status_code == 200
    assert response.text.startswith("END ")
    assert len(response.text) <= 164 and response.text.isascii()
    assert service.container.counters.totals().get("ussd.malformed") == 1


def test_missing_fields_are_malformed_too(service: RunningService) -> None:
    response = post(service, "/ussd", {"text": "1"})
    assert response.status_code == 200 and response.text.startswith("END ")


def test_bytes_that_are_not_utf8_get_an_end_screen(service: RunningService) -> None:
    body = b"sessionId=abc&phoneNumber=%2B258841234567&text=%ff%fe"
    response = post(
        service, "/ussd", body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200 and response.text.startswith("END ")


def test_a_body_over_16_kb_is_refused_with_413(service: RunningService) -> None:
    response = post(service, "/ussd", {**GOOD, "text": "1" * 20_000})
    assert response.status_code == 413


def test_end_of_session_notices_are_counted_and_their_input_dropped(
    service: RunningService,
) -> None:
    notice = {
        "sessionId": "ATUid_1",
        "status": "Success",
        "input": "1*1*secret words",
        "hopsCount": "3",
        "durationInMillis": "50000",
        "cost": "MZN 1.00",
        "lastAppResponse": "END bye",
        "errorMessage": "",
    }
    assert post(service, "/ussd/events", notice).status_code == 200
    assert post(service, "/ussd/events", {"status": "bad value!"}).status_code == 400
    assert service.container.counters.totals()["ussd.ended.Success"] == 1


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/delivery"])
def test_malformed_sms_callbacks_get_400(service: RunningService, path: str) -> None:
    assert post(service, path, {"id": "", "from": "nobody"}).status_code == 400


def test_unknown_paths_and_methods_get_4xx(service: RunningService) -> None:
    assert requests.get(f"{service.url}/ussd", timeout=5).status_code in {403, 405}
    assert requests.get(f"{service.url}/nothing-here", timeout=5).status_code == 404


def test_healthz_answers_without_a_token(service: RunningService) -> None:
    response = requests.get(f"{service.url}/healthz", timeout=5)
    assert response.status_code == 200 and response.text == "ok\n"
