"""The Procfile's gunicorn, run for real: its own logs never hold the webhook token, and its
access log says nothing about response sizes."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.apps import production_settings
from tests.support.services import free_port

REPO = Path(__file__).resolve().parents[2]
# An access line of the Procfile's format: address, "METHOD path", status, milliseconds.
ACCESS_LINE = re.compile(r'^127\.0\.0\.1 "(GET|POST) (/\S*)" (\d{3}) ms=(\d+)$')


def procfile_web_argv() -> list[str]:
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            argv = shlex.split(line[len("web:") :])
            assert argv[0] == "gunicorn"
            return [sys.executable, "-m", "gunicorn", *argv[1:]]
    raise AssertionError("the Procfile has no web line")


@dataclass
class Gunicorn:
    url: str
    port: int
    stdout: Path
    stderr: Path

    def logs(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


@pytest.fixture
def gunicorn(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> Iterator[Gunicorn]:
    settings = production_settings(tmp_path / "home", postgres_url, redis_url, webhook_token)
    port = free_port()
    env = {
        **os.environ,
        "HANDSOFF_HOME": str(settings.home),
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "WEBHOOK_TOKEN": webhook_token,
        # Where gunicorn would put its control socket (~/.gunicorn/): the Procfile turns it off.
        "HOME": str(tmp_path / "home-dir"),
    }
    argv = [*procfile_web_argv()[:-1], "--bind", f"127.0.0.1:{port}"]
    argv.append(procfile_web_argv()[-1])
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=stdout, stderr=stderr, start_new_session=True
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", port, out, err)
    try:
        _wait_for(server, process)
        # No control socket: nobody on the host can resize or reload the server through it.
        assert not (tmp_path / "home-dir" / ".gunicorn").exists()
        assert "control" not in server.logs().lower()
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for(server: Gunicorn, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert process.poll() is None, server.logs()
        try:
            if requests.get(server.url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not answer: " + server.logs())


def send_raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    return answer


def test_malformed_requests_carrying_the_token_never_put_it_in_gunicorns_logs(
    gunicorn: Gunicorn, webhook_token: str
) -> None:
    token = webhook_token.encode()
    malformed = [
        # Two parts instead of three: gunicorn quotes the whole line.
        b"GET /ussd?token=" + token + b"\r\n\r\n",
        # An unencoded space before the token: the rest reads as the HTTP version, quoted.
        b"POST /ussd?text=a b&token=" + token + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /ussd?text=a b&TOKEN%3D" + token + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        # A control character in the target: the whole line again.
        b"GET /ussd?token=" + token + b"\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    for request in malformed:
        assert send_raw(gunicorn.port, request).startswith(b"HTTP/1.1 400")

    time.sleep(0.5)  # gunicorn writes its log lines after answering
    logs = gunicorn.logs()
    assert logs.count("Invalid request from ip=") == len(malformed)  # the lines were logged
    assert webhook_token not in logs, logs
    assert webhook_token[8:20] not in logs  # not even a piece of it


def test_the_access_log_drops_response_sizes_and_query_strings(
    gunicorn: Gunicorn, webhook_token: str
) -> None:
    dial = {
        "sessionId": "ATUid_gunicorn",
        "serviceCode": "*123#",
        "phoneNumber": "+258841230099",
        "networkCode": "63902",
        "text": "",
    }
    answer = requests.post(
        gunicorn.url + "/ussd", params={"token": webhook_token}, data=dial, timeout=10
    )
    assert answer.status_code == 200

    time.sleep(0.5)
    access = [ACCESS_LINE.match(line) for line in gunicorn.stdout.read_text().splitlines()]
    ussd = [found for found in access if found and found.group(2) == "/ussd"]
    assert [(found.group(1), found.group(3)) for found in ussd] == [("POST", "200")], (
        gunicorn.logs()
    )
    assert webhook_token not in gunicorn.logs()
