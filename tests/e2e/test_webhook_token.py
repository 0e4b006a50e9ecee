"""With WEBHOOK_TOKEN set, every callback must carry it."""

from __future__ import annotations

import pytest
import requests

from tests.support.backends import RunningService

FORM = {"sessionId": "s1", "phoneNumber": "+258841234567", "text": "", "serviceCode": "*1#"}


@pytest.fixture
def production(production_service: RunningService) -> RunningService:
    return production_service


@pytest.mark.parametrize("path", ["/ussd", "/ussd/events", "/sms/inbound", "/sms/delivery"])
@pytest.mark.parametrize("token", [None, "", "wrong", "t" * 40])
def test_a_callback_without_the_right_token_gets_403(
    production: RunningService, path: str, token: str | None
) -> None:
    params = {} if token is None else {"token": token}
    response = requests.post(f"{production.url}{path}", data=FORM, params=params, timeout=5)
    assert response.status_code == 403
    assert production.cases() == []


def test_the_right_token_is_let_in(production: RunningService, webhook_token: str) -> None:
    response = requests.post(
        f"{production.url}/ussd", data=FORM, params={"token": webhook_token}, timeout=5
    )
    assert response.status_code == 200 and response.text.startswith("CON ")
