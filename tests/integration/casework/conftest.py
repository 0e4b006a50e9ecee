"""A case-work world on real PostgreSQL and Redis: the web app, a worker context, a fake aggregator.

Jobs go through real rq on Redis and are run here by an in-process rq worker (`drain`), so a
test can step the worker; the e2e tests run the real `handsoff worker` process instead.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select

from config.settings import Settings
from crypto import (
    ContactOpener,
)
from flows import SubmitCase
from service.bootstrap.admin import AdminParts
from service.bootstrap.web import WebContainer
from service.bootstrap.worker import WorkerContext, build_worker
from service.casework.officers import OfficerRegistry
from service.casework.outbox_jobs import run_outbox
from service.casework.sms_inbox import HANDLE_INBOUND_JOB
from service.clock import utcnow
from service.intake.reports import Intake
from service.messaging.africastalking.sms_client import AfricasTalkingGateway
from service.messaging.delivery import RetryPolicy
from service.messaging.outbound import open_sms
from service.queueing.job_queue import QUEUE_NAMES
from service.storage.casework_models import Assignment, OutboundSms
from service.storage.models import Case, OutboxJob
from tests.support.apps import admin_keys, make_app, production_settings, worker_settings
from tests.support.fake_aggregator import API_KEY, USERNAME, FakeAggregator
from workers.context import install

# Fast retries and a short read timeout keep fault tests quick; the rules are the same.
TEST_RETRY = RetryPolicy(backoff_seconds=(0.2, 0.4, 0.6, 0.8, 1.0), max_attempts=4)
TEST_TIMEOUT = (1.0, 1.5)
REPORT_DEFAULTS = {
    "what": "beating",
    "danger": "no",
    "when": "earlier",
    "who": "client",
    "province": "sofala",
    "help": "psychosocial",
    "contact": "sms",
    "police_ok": "no",
    "pin": "2468",
}


def new_number() -> str:
    """A fresh valid Mozambican mobile number."""
    return f"+25884{secrets.randbelow(10**7):07d}"


@dataclass(frozen=True)
class Filed:
    """A case committed through the intake, as the USSD shell would."""

    case_id: int
    code: str
    phone: str
    outbox_ids: tuple[int, ...]


@dataclass
class World:
    """Everything a case-work integration test touches."""

    settings: Settings
    app: Flask
    container: WebContainer
    ctx: WorkerContext
    aggregator: FakeAggregator
    connection: redis.Redis
    intake: Intake
    registry: OfficerRegistry
    job_errors: list[str] = field(default_factory=list)

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    # -- people --------------------------------------------------------------------------------

    def officer(
        self,
        name: str,
        *,
        role: str,
        province: str = "sofala",
        lang: str = "pt",
        phone: str | None = None,
    ) -> tuple[int, str]:
        """Register an officer; return (id, number)."""
        number = phone or new_number()
        officer_id = self.registry.add(
            name=name, phone=number, province=province, role=role, lang=lang
        )
        return officer_id, number

    def file(
        self,
        *,
        kind: str = "report",
        stage: str = "final",
        phone: str | None = None,
        session: str | None = None,
        dispatch: bool = True,
        **answers: str,
    ) -> Filed:
        """Commit a case through the web's intake; the worker's relay then queues its rows."""
        number = phone or new_number()
        merged = {**REPORT_DEFAULTS, **answers} if kind == "report" else dict(answers)
        submitted = self.intake.submit(
            SubmitCase(kind, stage, {k: v for k, v in merged.items() if v is not None}),  # type: ignore[arg-type]
            session_digest=session or secrets.token_hex(16),
            phone=number,
            lang="pt",
            now=utcnow(),
        )
        if dispatch:  # What the worker's relay does with the rows the web left waiting.
            self.container.dispatcher.relay_waiting()
        with self.container.sessions() as db:
            outbox_ids = tuple(
                db.scalars(
                    select(OutboxJob.id)
                    .where(OutboxJob.case_id == submitted.case_id)
                    .order_by(OutboxJob.id)
                )
            )
        return Filed(submitted.case_id, submitted.code, number, outbox_ids)

    # -- SMS -----------------------------------------------------------------------------------

    def text(self, number: str, body: str, message_id: str | None = None) -> str:
        """An SMS from `number` to the service; returns the message id used."""
        message_id = message_id or "ATXid_in_" + secrets.token_hex(8)
        response = self.client.post(
            "/sms/inbound",
            query_string={"token": self.settings.webhook_token},
            data={
                "from": number,
                "to": "12345",
                "text": body,
                "date": "2025-01-01 10:00:00",
                "id": message_id,
                "linkId": "",
                "networkCode": "63902",
            },
        )
        assert response.status_code == 200, response.text
        self.work_inbound()
        return message_id

    def work_inbound(self) -> None:
        """What the worker does with each stored inbound SMS, at once (replies are not sent)."""
        with self.container.sessions() as db:
            waiting = db.scalars(
                select(OutboxJob.id)
                .where(OutboxJob.job == HANDLE_INBOUND_JOB, OutboxJob.done_at.is_(None))
                .order_by(OutboxJob.id)
            ).all()
        for outbox_id in waiting:
            run_outbox(self.ctx, outbox_id)

    def delivery_report(self, message_id: str, status: str, reason: str | None = None) -> int:
        data = {"id": message_id, "status": status, "phoneNumber": "+258840000000"}
        if reason:
            data["failureReason"] = reason
        response = self.client.post(
            "/sms/delivery", query_string={"token": self.settings.webhook_token}, data=data
        )
        return response.status_code

    def inbox(self, number: str) -> list[str]:
        """What `number` received through the fake aggregator, in order."""
        return self.aggregator.to(number)

    def outbound(self) -> list[OutboundSms]:
        with self.container.sessions() as db:
            return list(db.scalars(select(OutboundSms).order_by(OutboundSms.id)))

    def opened(self, row: OutboundSms) -> tuple[str, str]:
        """(recipient, body) of a row, opened as the worker would."""
        opened = open_sms(self.ctx.opener, row)
        return opened.recipient, opened.body

    # -- jobs ----------------------------------------------------------------------------------

    def drain(
        self, horizon: float = 1.5, timeout: float = 30.0, queue_names: Sequence[str] = QUEUE_NAMES
    ) -> None:
        """Run queued jobs (and scheduled ones due within `horizon` s) until none are left.

        With `queue_names`, only those queues: e.g. the case jobs but not the SMS sends.
        """
        queues = [
            Queue(name, connection=self.connection, serializer=JSONSerializer)
            for name in queue_names
        ]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # What `handsoff worker`'s relay does: enqueue the rows the web left waiting.
            self.ctx.outbox.relay_waiting()
            worker = _QuietWorker(
                queues,
                connection=self.connection,
                serializer=JSONSerializer,
                exception_handlers=[self._record_job_error],
            )
            worked = worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            if worked:
                continue
            due = int(time.time() + horizon)
            if not any(ScheduledJobRegistry(queue=q).get_jobs_to_schedule(due) for q in queues):
                break
            time.sleep(0.1)
        assert self.job_errors == [], self.job_errors
        assert all(FailedJobRegistry(queue=queue).count == 0 for queue in queues)

    def _record_job_error(
        self, job: Any, exc_type: type, exc_value: BaseException, tb: Any
    ) -> bool:
        self.job_errors.append(f"{job.func_name}: {exc_type.__name__}: {exc_value}")
        return True

    # -- reading -------------------------------------------------------------------------------

    def case(self, case_id: int) -> Case:
        with self.container.sessions() as db:
            case = db.get(Case, case_id)
            assert case is not None
            return case

    def holder(self, case_id: int) -> int | None:
        """The officer holding the case now."""
        with self.container.sessions() as db:
            return db.scalar(
                select(Assignment.officer_id).where(
                    Assignment.case_id == case_id, Assignment.ended_at.is_(None)
                )
            )

    def assignments(self, case_id: int) -> list[Assignment]:
        with self.container.sessions() as db:
            return list(
                db.scalars(
                    select(Assignment).where(Assignment.case_id == case_id).order_by(Assignment.id)
                )
            )


class _QuietWorker(SimpleWorker):
    """rq's in-process worker without the command channel (its thread takes 0.5 s to stop)."""

    def subscribe(self) -> None:
        self.pubsub_thread = None


@pytest.fixture
def world(tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str) -> Iterator[World]:
    with make_world(tmp_path, postgres_url, redis_url, webhook_token) as built:
        yield built


@contextmanager
def make_world(
    home: Path, postgres_url: str, redis_url: str, token: str, worker_home: Path | None = None
) -> Iterator[World]:
    """Build a world on the given services (a test may bring its own Redis to kill).

    With `worker_home`, the worker reads its keys from there (a folder with the worker's keys
    only), as a separate worker host would.
    """
    settings = production_settings(home, postgres_url, redis_url, token)
    if worker_home is None:
        for_worker = worker_settings(settings)
    else:
        for_worker = replace(settings, home=worker_home)
    aggregator = FakeAggregator()
    with aggregator.running():
        app, container = make_app(settings)
        gateway = AfricasTalkingGateway(
            USERNAME, API_KEY, base_url=aggregator.base_url, timeout=TEST_TIMEOUT
        )
        ctx = build_worker(for_worker, gateway=gateway)
        ctx.retry = TEST_RETRY
        install(ctx)
        intake = container.intake
        registry = AdminParts(for_worker, container.sessions).registry()
        connection = redis.Redis.from_url(redis_url)
        try:
            yield World(settings, app, container, ctx, aggregator, connection, intake, registry)
        finally:
            install(None)
            connection.close()
            container.close()
            ctx.engine.dispose()


def opener_for(settings: Settings) -> ContactOpener:
    return ContactOpener(admin_keys(settings).contact_private())


def at(text: str) -> datetime:
    """A naive UTC datetime from ISO text."""
    return datetime.fromisoformat(text)
