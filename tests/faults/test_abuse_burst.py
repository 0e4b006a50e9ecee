"""A burst of hops with random text: no 500, no hop failing inside, every key written expires."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import redis

from tests.support.apps import make_app, production_settings
from tests.support.internal_errors import hop_errors, logged_errors

# CI runs a short burst; `HANDSOFF_BURST_HOPS=10000` is the long mode (see bench/README.md).
HOPS = int(os.environ.get("HANDSOFF_BURST_HOPS", "1500"))
ALPHABET = "0123456789*#*9 abcXYZ\u00e7\u00e3\u4e2d"


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))


def test_a_burst_of_random_hops_gets_no_500_no_internal_error_and_no_key_without_expiry(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    webhook_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rng = random.Random(20261129)
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    app, container = make_app(settings)
    client = app.test_client()
    statuses: dict[int, int] = {}
    try:
        for index in range(HOPS):
            response = client.post(
                f"/ussd?token={webhook_token}",
                data={
                    "sessionId": f"burst-{index % 400}",
                    "phoneNumber": f"+25884{rng.randrange(10**7):07d}",
                    "serviceCode": "*123#",
                    "text": random_text(rng),
                },
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        # A 200 may be a "try again" screen hiding a crash: nothing may have failed inside.
        errors, failed_hops = logged_errors(caplog), hop_errors(container.counters)
    finally:
        container.close()
    assert set(statuses) == {200}, statuses
    assert errors == [] and failed_hops == 0, errors[:5]

    client_redis = redis.Redis.from_url(redis_url)
    ours = [key for key in client_redis.scan_iter(match="hs:*", count=1000)]
    without_expiry = [key for key in ours if client_redis.ttl(key) < 0]
    client_redis.close()
    assert ours, "the burst wrote no session keys at all"
    assert without_expiry == []
    # Keys are bounded by sessions and numbers, not by hops.
    assert len(ours) <= 3 * 400 + HOPS
