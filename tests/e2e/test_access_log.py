"""Access logs name the path, never the query string (it carries the webhook token)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.apps import production_settings
from tests.support.procfile import procfile_argv, procfile_workers, wait_for_workers
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
DIAL = {
    "sessionId": "ATUid_log",
    "serviceCode": "*123#",
    "phoneNumber": "+258841239999",
    "text": "",
}


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path, url: str) -> Iterator[None]:
    """Run a server process until the block ends; wait until it answers /healthz."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not _answers(url):
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            process.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_for_line(log: Path, text: str) -> str:
    """Wait until the log holds a line with `text` (servers write it after answering)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return log.read_text(errors="replace")
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in the log:\n{log.read_text(errors='replace')[-2000:]}")


def test_the_procfile_web_access_log_has_paths_and_no_query_strings(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HANDSOFF_HOME": str(settings.home),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "WEBHOOK_TOKEN": webhook_token,
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # The Procfile's own command and options (granian), on loopback on a spare port.
    log = tmp_path / "web.log"
    with running(procfile_argv("web", port), env, log, url):
        wait_for_workers(lambda: log.read_text(errors="replace"), procfile_workers("web"))
        reply = requests.post(f"{url}/ussd", params={"token": webhook_token}, data=DIAL, timeout=10)
        assert reply.status_code == 200 and reply.text.startswith("CON ")
        text = wait_for_line(log, "POST /ussd")
    assert '"POST /ussd" 200' in text
    assert "token" not in text and "?" not in text, text[-600:]


def test_the_embedded_server_keeps_no_access_log(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HANDSOFF_HOME": str(tmp_path)}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-c", "from service.cli.main import main; main()", "serve"]
    log = tmp_path / "serve.log"
    secret = "q" * 40
    with running([*args, "--port", str(port)], env, log, url):
        reply = requests.post(f"{url}/ussd", params={"token": secret}, data=DIAL, timeout=10)
        assert reply.status_code == 200 and reply.text.startswith("CON ")
    text = log.read_text(errors="replace")
    assert "listening on" in text  # the server's own output is there...
    assert "/ussd?" not in text and secret not in text and "POST" not in text  # ...no request line
