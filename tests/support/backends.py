"""Run the whole web service over HTTP on either backend, and read back what it stored."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from config.settings import Settings
from crypto import ContactOpener, ReportOpener
from service.bootstrap.web import WebContainer
from service.casework.pin_stretch import stretch_pending_pins
from service.storage.models import Case, OutboxJob
from tests.support.apps import admin_keys, embedded_settings, make_app, production_settings
from tests.support.live_server import serve
from tests.support.phone import Phone
from tests.support.procfile import ProcfileWeb
from tests.support.services import free_port


@dataclass
class RunningService:
    """A service under test: its URL, settings, container, and a way to make phones."""

    url: str
    settings: Settings
    container: WebContainer
    # The server's own log, when it runs in a process of its own (served_by="procfile").
    server_log: Callable[[], str] | None = None

    def logs(self, caplog_text: str) -> str:
        """What the service logged: its server's log, or the test's captured records."""
        return self.server_log() if self.server_log is not None else caplog_text

    def phone(self, number: str = "+258841234567") -> Phone:
        return Phone(self.url, number, self.settings.webhook_token)

    def cases(self) -> list[Case]:
        with self.container.sessions() as db:
            return list(db.scalars(select(Case).order_by(Case.id)))

    def outbox(self) -> list[OutboxJob]:
        with self.container.sessions() as db:
            return list(db.scalars(select(OutboxJob).order_by(OutboxJob.id)))

    def stretch_pins(self) -> int:
        """What the worker does after every report (its job, or its maintenance sweep): stretch
        the PINs the web sealed, so that their status can be checked."""
        opener = ContactOpener(admin_keys(self.settings).contact_private())
        return stretch_pending_pins(self.container.sessions, opener)

    def open_content(self, case: Case) -> dict[str, object]:
        """What only the desk can do: open the sealed content with the report private key."""
        opener = ReportOpener(admin_keys(self.settings).report_private())
        data: dict[str, object] = json.loads(opener.open_report(case.content_sealed, case.ref))
        return data

    def open_contact(self, case: Case) -> str:
        """What only the worker can do: open the reporter's number."""
        assert case.contact_sealed is not None
        opener = ContactOpener(admin_keys(self.settings).contact_private())
        return opener.open_for_worker(case.contact_sealed, case.ref)


@contextmanager
def running_service(
    backend: str,
    home: Path,
    postgres_url: str | None = None,
    redis_url: str | None = None,
    token: str | None = None,
    *,
    served_by: str = "werkzeug",
) -> Iterator[RunningService]:
    """The service over HTTP. `served_by="procfile"` runs the Procfile's web command (granian) in
    a process of its own on the same settings; the container here then only reads and sweeps."""
    if backend == "embedded":
        settings = embedded_settings(home)
    else:
        assert postgres_url and redis_url and token
        settings = production_settings(home, postgres_url, redis_url, token)
    app, container = make_app(settings)
    try:
        if served_by == "procfile":
            yield from _procfile_service(settings, container, home)
        else:
            with serve(app) as url:
                yield RunningService(url, settings, container)
    finally:
        container.close()


def _procfile_service(
    settings: Settings, container: WebContainer, home: Path
) -> Iterator[RunningService]:
    env = {
        **os.environ,
        "HANDSOFF_HOME": str(settings.home),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "WEBHOOK_TOKEN": settings.webhook_token or "",
    }
    server = ProcfileWeb(env, home / "web-server.log", free_port())
    try:
        server.wait_until_ready()
        yield RunningService(server.url, settings, container, server.logs)
    finally:
        server.stop()
