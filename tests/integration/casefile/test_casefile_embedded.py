"""The case file on the embedded default: SQLite, the in-process worker, SMS in the local log."""

from __future__ import annotations

import json
from pathlib import Path

from crypto import KeyStore
from service.bootstrap.admin import AdminParts
from service.clock import utcnow
from service.desk.casefile.building import build_case_files
from service.messaging.outbox_log import masked_recipient
from service.queueing.job_queue import InProcessJobQueue
from tests.integration.casefile.conftest import SOFALA
from tests.support.backends import running_service
from tests.support.journeys import file_report


def _texts_to(log: Path, number: str) -> list[str]:
    if not log.exists():
        return []
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    return [line["text"] for line in lines if line["to"] == masked_recipient(number)]


def test_a_desk_reassignment_reaches_both_officers_through_the_in_process_worker(
    tmp_path: Path,
) -> None:
    with running_service("embedded", tmp_path) as service:
        container, settings = service.container, service.settings
        queue = container.queue
        assert isinstance(queue, InProcessJobQueue)
        registry = AdminParts(settings, container.sessions).registry()
        first_phone, second_phone = "+258841112233", "+258841112244"
        first = registry.add(
            name="Ana", phone=first_phone, province="sofala", role="health_liaison"
        )
        code = file_report(service.phone("+258849998877"), contact="sms", pin="1234")
        assert queue.join()
        second = registry.add(
            name="Bia", phone=second_phone, province="sofala", role="health_liaison"
        )
        files = build_case_files(
            container.sessions,
            KeyStore(settings.keys_dir),  # the embedded default: one folder holds every key
            utcnow,
            wake_worker=container.dispatcher.relay_waiting,
        )

        view = files.open(SOFALA, code)
        assert view.holder is not None and view.holder.officer_id == first
        files.assign(SOFALA, code, version=view.version, officer_id=second)
        assert queue.join()

        log = settings.sms_outbox_log
        assert any(code in text for text in _texts_to(log, second_phone))
        assert _texts_to(log, first_phone)[-1] == (
            f"Caso {code} passou para outro responsavel. Nada a fazer."
        )
        assert files.open_content(SOFALA, code, reason="supervision").answers["what"] == "rape"
