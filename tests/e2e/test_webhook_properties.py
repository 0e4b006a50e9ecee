"""Whatever the aggregator sends, the answer is a valid screen or a 4xx, never a 500 — and no hop
fails inside (the webhook would hide a crash behind a 200 "try again" screen)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.bootstrap.web import WebContainer
from tests.support.apps import embedded_settings, make_app, production_settings
from tests.support.internal_errors import hop_errors, logged_errors

PHONES = ["+258841234567", "+258851234567", "+258821234567"]
answers = st.one_of(
    st.sampled_from(["", "0", "00", "99", "98", "1", "2", "3", "5", "11", "1234", "*", "#", "**"]),
    st.text(max_size=30),
    st.text(alphabet="0123456789*#", max_size=60),
    st.text(min_size=3000, max_size=12000, alphabet="ab*1"),
)
hops = st.lists(
    st.tuples(st.sampled_from(["s1", "s2", "s3"]), st.sampled_from(PHONES), answers),
    min_size=1,
    max_size=25,
)


@pytest.fixture(params=["embedded", "production"])
def client(
    request: pytest.FixtureRequest, tmp_path: Path, webhook_token: str
) -> Iterator[tuple[FlaskClient, WebContainer]]:
    if request.param == "embedded":
        app_settings = embedded_settings(tmp_path)
    else:
        app_settings = production_settings(
            tmp_path,
            request.getfixturevalue("postgres_url"),
            request.getfixturevalue("redis_url"),
            webhook_token,
        )
    app, container = make_app(app_settings)
    client = app.test_client()
    client.environ_base["QUERY_STRING"] = f"token={webhook_token}"
    yield client, container
    container.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(hops=hops, growing=st.booleans())
def test_any_text_in_any_order_gets_a_screen_or_a_4xx_and_no_hop_fails_inside(
    client: tuple[FlaskClient, WebContainer],
    caplog: pytest.LogCaptureFixture,
    hops: list[tuple[str, str, str]],
    growing: bool,
) -> None:
    http, container = client
    texts: dict[str, str] = {}
    for session, phone, answer in hops:
        # Either the aggregator's way (text grows with *), or raw arbitrary text.
        if growing:
            texts[session] = answer if session not in texts else f"{texts[session]}*{answer}"
            text = texts[session]
        else:
            text = answer
        response = http.post(
            "/ussd",
            data={"sessionId": session, "phoneNumber": phone, "text": text, "serviceCode": "*1#"},
        )
        assert response.status_code < 500
        if response.status_code >= 400:
            continue
        body = response.get_data(as_text=True)
        assert body.startswith(("CON ", "END ")), body
        screen = body[4:]
        assert len(screen) <= 160 and screen.isascii(), screen
    assert logged_errors(caplog) == []
    assert hop_errors(container.counters) == 0
