"""PostgreSQL restarted under load: no 500, a "try again" screen, nothing confirmed unsaved."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import running_service
from tests.support.reporters import (
    assert_every_reporter_was_confirmed_and_stored,
    persistent_reporter,
    run_reporters,
)
from tests.support.services import PrivatePostgres, free_port, private_folder

# CI runs a short load; HANDSOFF_FAULT_REPORTERS=200 is the long mode (bench/README.md).
REPORTERS = int(os.environ.get("HANDSOFF_FAULT_REPORTERS", "8"))


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(free_port(), private_folder("handsoff-fault-pg-")).start()
    try:
        yield server
    finally:
        server.stop("immediate")


def test_a_database_restart_costs_a_retry_never_a_500_or_a_false_confirmation(
    tmp_path: Path,
    private_postgres: PrivatePostgres,
    redis_url: str,
    webhook_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running_service(
        "production",
        tmp_path,
        private_postgres.url,
        redis_url,
        webhook_token,
        served_by="procfile",  # the production server, as deployed
    ) as service:
        # Down before the first submit, back a little later: every reporter meets the outage.
        private_postgres.stop("fast")

        def restore() -> None:
            time.sleep(2.0)
            private_postgres.start()

        chaos = threading.Thread(target=restore)
        chaos.start()
        outcomes = run_reporters(
            REPORTERS,
            lambda i: persistent_reporter(
                service.url, f"+2588512{i:05d}", webhook_token, attempts=30, pause=0.02
            ),
        )
        chaos.join()

        logs = service.logs(caplog.text)
        assert "case commit failed" in logs or "USSD hop failed" in logs
        assert_every_reporter_was_confirmed_and_stored(service, outcomes, REPORTERS)
