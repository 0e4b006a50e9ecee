"""The case workflow end to end: USSD report, a real `handsoff worker` process, the real SDK.

The web app is served over HTTP on PostgreSQL and Redis; officers are registered with the CLI;
the worker is a separate process sending through the africastalking SDK to a fake aggregator on
a loopback port; officers and reporters text the service as the aggregator relays SMS.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from config.settings import Settings
from service.bootstrap.web import WebContainer
from service.cli.main import main
from service.storage.casework_models import OutboundSms
from tests.support.apps import make_app, production_settings, worker_settings
from tests.support.canary import leaks, variants_of_number
from tests.support.fake_aggregator import (
    API_KEY,
    USERNAME,
    FakeAggregator,
    SmsHandset,
    post_delivery_report,
)
from tests.support.journeys import file_report
from tests.support.live_server import serve
from tests.support.phone import Phone

pytestmark = pytest.mark.e2e


def _number() -> str:
    return f"+25884{secrets.randbelow(10**7):07d}"


@dataclass
class Service:
    """The running web service, its settings, and the fake aggregator the worker talks to."""

    url: str
    settings: Settings
    container: WebContainer
    aggregator: FakeAggregator
    home: Path
    worker_home: Path

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", ""),
            # The worker and the officer commands run on the worker's host, with its keys.
            "HANDSOFF_HOME": str(self.worker_home),
            "DATABASE_URL": self.settings.database_url,
            "REDIS_URL": self.settings.redis_url or "",
            "WEBHOOK_TOKEN": self.settings.webhook_token or "",
            "AT_USERNAME": USERNAME,
            "AT_API_KEY": API_KEY,
            "AT_API_BASE_URL": self.aggregator.base_url,
        }

    def add_officer(self, name: str, role: str, province: str = "sofala") -> str:
        """Register an officer with the CLI, as staff would; return their number."""
        number = _number()
        result = CliRunner().invoke(
            main,
            ["officer", "add", "--name", name, "--phone", number, "--province", province,
             "--role", role],
            env=self.env(),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert number not in result.output and number[4:] not in result.output
        return number

    def phone(self, number: str) -> Phone:
        return Phone(self.url, number, self.settings.webhook_token)

    def handset(self, number: str) -> SmsHandset:
        return SmsHandset(self.url, number, self.settings.webhook_token)


class WorkerProcess:
    """`handsoff worker` in its own process group, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from service.cli.main import main; main()", "worker"],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its scheduler: no clean-up of any kind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def live(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> Iterator[Service]:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    aggregator = FakeAggregator()
    with aggregator.running():
        app, container = make_app(settings)
        try:
            with serve(app) as url:
                worker_home = worker_settings(settings).home
                yield Service(url, settings, container, aggregator, tmp_path, worker_home)
        finally:
            container.close()


@pytest.fixture
def worker_log(tmp_path: Path) -> Path:
    return tmp_path / "worker.log"


@pytest.fixture
def worker(live: Service, worker_log: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(live.env(), worker_log)
    try:
        yield process
    finally:
        process.stop()


def test_a_report_reaches_the_right_officer_whose_ok_reaches_the_reporter_who_opted_in(
    live: Service, worker: WorkerProcess, worker_log: Path
) -> None:
    officer = live.add_officer("Saude Sofala", "health_liaison")
    other = live.add_officer("Juridico Sofala", "paralegal")
    opted_in, silent = _number(), _number()
    aggregator = live.aggregator

    code = file_report(live.phone(opted_in), contact="sms", description="e2e", pin="2468")
    quiet_code = file_report(live.phone(silent), contact="none", description=None, pin=None)

    assert aggregator.wait_for(lambda: len(aggregator.to(officer)) == 2), _tail(worker_log)
    alerts = aggregator.to(officer)
    assert any(code in alert for alert in alerts) and any(quiet_code in a for a in alerts)
    assert all("saude" in alert and alert.isascii() and len(alert) <= 160 for alert in alerts)
    assert aggregator.to(other) == []

    handset = live.handset(officer)
    handset.text(f"OK {code}")
    update = f"Codigo {code}: em tratamento."
    assert aggregator.wait_for(lambda: aggregator.to(opted_in) == [update]), _tail(worker_log)
    assert aggregator.wait_for(lambda: len(aggregator.to(officer)) == 3)

    handset.text(f"OK {quiet_code}")
    assert aggregator.wait_for(lambda: len(aggregator.to(officer)) == 4)
    time.sleep(0.5)  # anything for the silent reporter would have been queued before the reply
    assert aggregator.to(silent) == []

    # A delivery report finds its message by the aggregator's id.
    first = aggregator.sent[0]
    assert (
        post_delivery_report(
            live.url, live.settings.webhook_token, first.message_id, "Success"
        ).status_code
        == 200
    )
    with live.container.sessions() as db:
        status = db.scalar(
            select(OutboundSms.status).where(OutboundSms.provider_message_id == first.message_id)
        )
    assert status == "delivered"

    worker.stop()
    leaked = leaks(
        [worker_log.read_bytes()],
        [*variants_of_number(officer), *variants_of_number(opted_in), code, quiet_code],
    )
    assert leaked == []


def test_a_worker_killed_mid_send_loses_nothing(live: Service, worker_log: Path) -> None:
    officer = live.add_officer("Saude Sofala", "health_liaison")
    aggregator = live.aggregator
    aggregator.delay_next(1, seconds=6)
    first = WorkerProcess(live.env(), worker_log)
    try:
        code = file_report(live.phone(_number()), contact="none", pin=None, description=None)
        assert aggregator.wait_for(lambda: aggregator.requests == 1), _tail(worker_log)
    finally:
        first.kill()  # while it waits for the aggregator to answer

    with live.container.sessions.begin() as db:
        [alert] = db.scalars(select(OutboundSms)).all()
        assert alert.status == "sending" and alert.attempts == 1
        # Five minutes on, the attempt counts as interrupted; step the row's clock instead.
        db.execute(
            update(OutboundSms).values(last_attempt_at=alert.last_attempt_at.replace(year=2000))
        )

    second = WorkerProcess(live.env(), worker_log)
    try:
        # The new worker's start-up sweep sends the interrupted alert again.
        assert aggregator.wait_for(lambda: len(aggregator.to(officer)) >= 1), _tail(worker_log)
        assert aggregator.wait_for(lambda: _status(live) == "sent"), _tail(worker_log)
    finally:
        second.stop()
    assert code in aggregator.to(officer)[-1]


def _status(live: Service) -> str | None:
    with live.container.sessions() as db:
        return db.scalar(select(OutboundSms.status))


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no worker log)"
