"""The Africa's Talking gateway reuses its connection across sends, with the SDK's reading."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.messaging.africastalking.sms_client import AfricasTalkingGateway
from service.messaging.gateway import Accepted, NotAccepted
from tests.support.fake_aggregator import API_KEY, USERNAME, FakeAggregator

NUMBER = "+258841234567"


@pytest.fixture
def fake() -> Iterator[FakeAggregator]:
    aggregator = FakeAggregator()
    with aggregator.running():
        yield aggregator


def _gateway(fake: FakeAggregator, *, keep_alive: bool = True) -> AfricasTalkingGateway:
    return AfricasTalkingGateway(
        USERNAME, API_KEY, base_url=fake.base_url, timeout=(2.0, 0.5), keep_alive=keep_alive
    )


def test_five_sends_share_one_tcp_connection(fake: FakeAggregator) -> None:
    gateway = _gateway(fake)
    results = [gateway.send(NUMBER, f"message {i}") for i in range(5)]
    assert all(isinstance(r, Accepted) for r in results)
    assert [r.message_id for r in results] == [s.message_id for s in fake.sent]  # type: ignore[union-attr]
    assert fake.connections == 1


def test_without_keep_alive_each_send_opens_its_own_connection(fake: FakeAggregator) -> None:
    gateway = _gateway(fake, keep_alive=False)
    for i in range(3):
        assert isinstance(gateway.send(NUMBER, f"message {i}"), Accepted)
    assert fake.connections == 3


def test_an_http_error_on_a_kept_connection_is_temporary_and_the_next_send_goes(
    fake: FakeAggregator,
) -> None:
    gateway = _gateway(fake)
    fake.fail_next(1, http_status=500)
    assert gateway.send(NUMBER, "one") == NotAccepted("temporary", "http_error")
    assert isinstance(gateway.send(NUMBER, "two"), Accepted)
    assert fake.connections == 1


def test_a_read_timeout_stays_ambiguous_and_a_new_connection_follows(fake: FakeAggregator) -> None:
    gateway = _gateway(fake)
    assert isinstance(gateway.send(NUMBER, "zero"), Accepted)
    fake.delay_next(1, 1.5)
    assert gateway.send(NUMBER, "one") == NotAccepted("ambiguous", "read_timeout")
    assert isinstance(gateway.send(NUMBER, "two"), Accepted)
    # The timed-out connection is dropped, not reused for the next answer.
    assert fake.connections == 2


def test_a_refused_recipient_on_a_kept_connection_is_classified_as_before(
    fake: FakeAggregator,
) -> None:
    gateway = _gateway(fake)
    fake.reject_next(1, status_code=403)
    assert gateway.send(NUMBER, "one") == NotAccepted("final", "status_403")
