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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from config.settings import Settings
from crypto import ContactOpener, KeyStore
from service.bootstrap.web import WebContainer
from service.casework.vocab import OPEN_STATUSES
from service.cli.main import main
from service.messaging.outbound import open_sms
from service.storage.casework_models import OutboundSms
from service.storage.models import Case, OutboxJob
from tests.support.apps import make_app, production_settings, worker_settings
from tests.support.canary import leaks, variants_of_number
from tests.support.fake_aggregator import (
    API_KEY,
    USERNAME,
    FakeAggregator,
    SmsHandset,
    post_delivery_report,
)
from tests.support.journeys import code_on, file_report
from tests.support.live_server import serve
from tests.support.phone import Phone


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
    # The reply goes out on the urgent queue, maybe before the job that decides whether the
    # silent reporter hears anything: wait for every job to be done and every SMS settled.
    assert aggregator.wait_for(lambda: _all_done(live)), _tail(worker_log)
    assert aggregator.settled()
    assert aggregator.to(silent) == []
    assert _reporter_updates(live) == [update]

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
    aggregator.hold_next(1)  # answered only when the test ends: the worker dies waiting
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
        assert aggregator.wait_for(lambda: _status(live) == "sent"), _tail(worker_log)
    finally:
        second.stop()
    [alert] = aggregator.to(officer)  # the held first copy was never accepted
    assert code in alert and aggregator.requests == 2


def _all_done(live: Service) -> bool:
    """Every outbox job has run and no SMS is still waiting to go (or going)."""
    with live.container.sessions() as db:
        jobs_left = db.scalar(select(func.count()).where(OutboxJob.done_at.is_(None)))
        sms_left = db.scalar(
            select(func.count()).where(OutboundSms.status.in_(("pending", "sending", "retry")))
        )
    return jobs_left == 0 and sms_left == 0


def _reporter_updates(live: Service) -> list[str]:
    """The bodies of every reporter update written, opened as the worker would."""
    opener = ContactOpener(KeyStore(live.worker_home / "keys").contact_private())
    with live.container.sessions() as db:
        rows = db.scalars(select(OutboundSms).where(OutboundSms.purpose == "reporter_update")).all()
        return [open_sms(opener, row).body for row in rows]


def _status(live: Service) -> str | None:
    with live.container.sessions() as db:
        return db.scalar(select(OutboundSms.status))


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no worker log)"


def test_in_danger_the_officer_is_alerted_with_province_and_contact_and_cancel_keeps_the_case(
    live: Service, worker: WorkerProcess, worker_log: Path
) -> None:
    counsellor = live.add_officer("Apoio Sofala", "psychosocial")
    elsewhere = live.add_officer("Coordenacao Gaza", "coordinator", province="gaza")
    reporter = _number()
    aggregator = live.aggregator
    phone = live.phone(reporter)

    phone.dial()
    phone.send("1")  # tell what happened
    phone.send("1")  # forced sex
    assert "contactar" in phone.send("1")  # in danger now: yes -> committed, then contact
    with live.container.sessions() as db:
        [case] = db.scalars(select(Case)).all()
        assert (case.stage, case.urgent) == ("urgent", True)
    phone.send("2")  # by call
    alerted = phone.send("5")  # Sofala
    assert "Estamos a avisar quem pode ajudar" in alerted and "119" in alerted
    assert not phone.ended

    assert aggregator.wait_for(lambda: len(aggregator.to(counsellor)) == 1), _tail(worker_log)
    [alert] = aggregator.to(counsellor)
    assert alert.startswith("URGENTE: caso ") and ", Sofala." in alert
    assert "Contacto: ligar (TEL)." in alert
    code = alert.split()[2].rstrip(",")

    for answer in ("1", "1", "1", "1"):  # on past the alert; today; client; health care
        phone.send(answer)
    kept = phone.send("4")  # cancel
    assert phone.ended
    assert "O alerta ja foi" in kept and "Cancelado" not in kept
    assert code_on(kept) == code

    with live.container.sessions() as db:
        [case] = db.scalars(select(Case)).all()
        assert case.status in OPEN_STATUSES
        assert (case.province, case.contact, case.urgent) == ("sofala", "call", True)
        assert case.help is None  # what came after the alert was cancelled, not kept
    # The officer can act on it: the number, because the reporter allowed a call.
    live.handset(counsellor).text(f"TEL {code}")
    assert aggregator.wait_for(lambda: len(aggregator.to(counsellor)) == 2), _tail(worker_log)
    assert reporter in aggregator.to(counsellor)[-1]
    assert aggregator.to(elsewhere) == []
