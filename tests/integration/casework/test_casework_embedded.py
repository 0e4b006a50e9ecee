"""The embedded default: one process runs the jobs, and SMS land in the local outbox log file."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import main
from service.messaging.outbox_log import masked_recipient
from service.queueing.job_queue import InProcessJobQueue
from tests.support.backends import running_service
from tests.support.fake_aggregator import SmsHandset
from tests.support.journeys import file_report


def _outbox(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_report_alerts_the_officer_through_the_local_outbox_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    officer = "+258841112233"
    result = CliRunner().invoke(
        main,
        ["officer", "add", "--name", "Ana", "--phone", officer, "--province", "sofala",
         "--role", "health_liaison"],
        env={"HANDSOFF_HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    with running_service("embedded", tmp_path) as service:
        queue = service.container.queue
        assert isinstance(queue, InProcessJobQueue)
        reporter = "+258849998877"
        code = file_report(service.phone(reporter), contact="sms", pin="1234")
        assert queue.join()
        SmsHandset(service.url, officer, None).text(f"OK {code}")
        assert queue.join()
        log_file = service.settings.sms_outbox_log

        sent = _outbox(log_file)
        to_officer = [m["text"] for m in sent if m["to"] == masked_recipient(officer)]
        assert any(code in text for text in to_officer)
        assert [m["text"] for m in sent if m["to"] == masked_recipient(reporter)] == [
            f"Codigo {code}: em tratamento."
        ]
        # The log is the developer's phone, yet it never holds a number in clear.
        assert officer[1:] not in log_file.read_text() and reporter[1:] not in log_file.read_text()
        assert stat.S_IMODE(os.stat(log_file).st_mode) == 0o600
    # The outbox log is the developer's phone; the application log never holds the texts.
    assert code not in caplog.text and reporter not in caplog.text
