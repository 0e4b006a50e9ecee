"""The final answers of an urgent case are kept when the worker changed the case meanwhile.

On SQLite (the embedded default) `FOR UPDATE` does nothing, so the in-process worker's job can
bump the case's version between the final submit's read and its write: the submit reads the
case again and completes it, where it used to fail with StaleDataError (the reporter saw "try
again" and the answers of that hop were lost).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from flows import SubmitCase
from service.clock import utcnow
from service.intake.reports import Intake, Submitted
from service.storage.models import Case
from tests.support.apps import embedded_settings, make_app

URGENT = {"what": "rape", "danger": "yes"}
FINAL = {
    **URGENT,
    "when": "earlier",
    "who": "client",
    "province": "sofala",
    "help": "health",
    "contact": "sms",
    "police_ok": "no",
    "pin": "2468",
}


def test_a_version_bumped_between_read_and_write_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, container = make_app(embedded_settings(tmp_path))
    try:
        session = secrets.token_hex(16)

        def submit(stage: str, answers: dict[str, str]) -> Submitted:
            return container.intake.submit(
                SubmitCase("report", stage, answers),  # type: ignore[arg-type]
                session_digest=session,
                phone="+258841234567",
                lang="pt",
                now=utcnow(),
            )

        urgent = submit("urgent", URGENT)
        bumps: list[int] = []
        real_fill = Intake._fill

        def fill_after_the_worker(self: Intake, case: Case, *args: Any) -> None:
            if not bumps:  # the worker's job commits its change once, in between
                with container.sessions.begin() as other:
                    other.execute(
                        update(Case).where(Case.id == case.id).values(version=Case.version + 1)
                    )
                bumps.append(case.id)
            real_fill(self, case, *args)

        monkeypatch.setattr(Intake, "_fill", fill_after_the_worker)
        final = submit("final", FINAL)
        assert bumps == [urgent.case_id]
        assert (final.case_id, final.code) == (urgent.case_id, urgent.code)
        with container.sessions() as db:
            [case] = db.scalars(select(Case)).all()
            assert (case.stage, case.help) == ("final", "health")
    finally:
        container.close()
