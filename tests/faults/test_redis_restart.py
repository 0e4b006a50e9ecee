"""Redis killed and restarted under a load of USSD sessions: no confirmed report is lost."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from service.storage.models import OutboxJob
from tests.support.backends import running_service
from tests.support.reporters import (
    assert_every_reporter_was_confirmed_and_stored,
    persistent_reporter,
    run_reporters,
)
from tests.support.services import PrivateRedis, free_port, private_folder

# CI runs a short load; HANDSOFF_FAULT_REPORTERS=200 is the long mode (bench/README.md).
REPORTERS = int(os.environ.get("HANDSOFF_FAULT_REPORTERS", "10"))


def test_sessions_complete_or_resume_and_the_outbox_drains_when_redis_returns(
    tmp_path: Path, postgres_url: str, webhook_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    redis = PrivateRedis(free_port(), Path(private_folder("handsoff-fault-redis-"))).start()
    try:
        with running_service(
            "production",
            tmp_path,
            postgres_url,
            redis.url,
            webhook_token,
            served_by="procfile",  # the production server, as deployed
        ) as service:

            def outage() -> None:
                time.sleep(0.4)
                redis.kill()
                time.sleep(1.5)
                redis.start()

            chaos = threading.Thread(target=outage)
            chaos.start()
            outcomes = run_reporters(
                REPORTERS,
                lambda i: persistent_reporter(
                    service.url, f"+2588412{i:05d}", webhook_token, attempts=30, pause=0.15
                ),
            )
            chaos.join()
            # The outage really overlapped the load: some hops were answered by replaying.
            assert "session store unavailable" in service.logs(caplog.text)

            assert_every_reporter_was_confirmed_and_stored(service, outcomes, REPORTERS)

            # Whatever could not be enqueued while Redis was down goes out on the next sweep.
            service.container.dispatcher.sweep(stale_after=timedelta(0))
            with service.container.sessions() as db:
                waiting = db.scalars(select(OutboxJob).where(OutboxJob.enqueued_at.is_(None))).all()
            assert waiting == []
    finally:
        redis.kill()
