"""With Redis unreachable, USSD still works by replaying the text path; nothing is lost."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from service.storage.models import OutboxJob
from tests.support.backends import running_service
from tests.support.journeys import ADD_WORDS, SKIP, code_on, file_report, report_answers
from tests.support.services import free_port


def test_a_report_goes_through_and_waits_in_the_outbox_while_redis_is_down(
    tmp_path: Path, postgres_url: str, webhook_token: str
) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    with running_service("production", tmp_path, postgres_url, dead_redis, webhook_token) as svc:
        code = file_report(svc.phone("+258841230001"), description="sem redis", pin="1234")

        [case] = svc.cases()
        assert case.stage == "final"
        assert svc.open_content(case)["code"] == code
        with svc.container.sessions() as db:
            waiting = db.scalars(select(OutboxJob).where(OutboxJob.enqueued_at.is_(None))).all()
        # In danger: committed at once, alerted once located (contact and province), completed.
        assert [job.job for job in waiting] == ["case_located", "case_completed"]


def test_an_answer_containing_a_star_is_split_when_replaying_but_nothing_crashes(
    tmp_path: Path, postgres_url: str, webhook_token: str
) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    with running_service("production", tmp_path, postgres_url, dead_redis, webhook_token) as svc:
        phone = svc.phone("+258841230002")
        phone.dial()
        for answer in [*report_answers(danger=False), ADD_WORDS, "a*b"]:
            phone.send(answer)
        # Without the stored previous text, "a*b" reads as two answers: "a" the description,
        # "b" a PIN, refused as a PIN is; the flow stays valid and the report can still be sent.
        assert not phone.ended and phone.screen.startswith("O PIN tem 4 numeros.\nEscolha um PIN")
        code = code_on(phone.send(SKIP))  # no PIN: the report is sent
        [case] = svc.cases()
        content = svc.open_content(case)
        assert content["code"] == code and content["answers"]["description"] == "a"  # type: ignore[index]
