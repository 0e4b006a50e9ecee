"""The Procfile's desk line (gunicorn), run for real: gunicorn's own logs pass through the
redaction filter, and its access log names neither the page nor its size."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.desk import desk_settings
from tests.support.procfile import REPO, procfile_argv
from tests.support.services import free_port

# An access line of the desk's format: address, "METHOD" (no path: a case page's id would
# tell who read which case), status, milliseconds.
ACCESS_LINE = re.compile(r'^127\.0\.0\.1 "(GET|POST)" (\d{3}) ms=(\d+)$')
SECRET = "token=Zq8ydXk3Jw0pLm5Nc7Vb"  # what a bad link or a bad proxy might put in a line
NUMBER = "+258841230099"


@dataclass
class Gunicorn:
    url: str
    port: int
    stdout: Path
    stderr: Path

    def logs(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


@pytest.fixture
def gunicorn(tmp_path: Path, postgres_url: str) -> Iterator[Gunicorn]:
    settings = desk_settings(tmp_path / "home", postgres_url)
    port = free_port()
    env = {
        **os.environ,
        "HANDSOFF_HOME": str(settings.home),
        "DATABASE_URL": postgres_url,
        # Where gunicorn would put its control socket (~/.gunicorn/): the Procfile turns it off.
        "HOME": str(tmp_path / "home-dir"),
    }
    for name in ("WEBHOOK_TOKEN", "REDIS_URL"):
        env.pop(name, None)
    argv = procfile_argv("desk", port)
    assert argv[2] == "gunicorn", argv
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


def test_malformed_requests_never_put_a_secret_or_a_number_in_gunicorns_logs(
    gunicorn: Gunicorn,
) -> None:
    secret, number = SECRET.encode(), NUMBER.encode()
    malformed = [
        # Two parts instead of three: gunicorn quotes the whole line.
        b"GET /desk/cases?" + secret + b"&n=" + number + b"\r\n\r\n",
        # An unencoded space: the rest reads as the HTTP version, quoted.
        b"POST /desk/cases?q=a b&" + secret + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /desk/cases?q=a b&n=" + number + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        # A control character in the target: the whole line again.
        b"GET /desk/cases?" + secret + b"\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    for request in malformed:
        assert send_raw(gunicorn.port, request).startswith(b"HTTP/1.1 400")

    time.sleep(0.5)  # gunicorn writes its log lines after answering
    logs = gunicorn.logs()
    assert logs.count("Invalid request from ip=") == len(malformed)  # the lines were logged
    assert SECRET.split("=")[1] not in logs, logs
    assert NUMBER[1:] not in logs and NUMBER[4:] not in logs, logs


def test_the_desk_access_log_has_no_path_no_query_string_and_no_size(gunicorn: Gunicorn) -> None:
    # Plain HTTP without the TLS proxy: a production desk refuses it (403); logged all the same.
    answer = requests.get(gunicorn.url + "/desk/login", params={"n": NUMBER}, timeout=10)
    assert answer.status_code == 403 and "HTTPS" in answer.text

    time.sleep(0.5)
    lines = gunicorn.stdout.read_text().splitlines()
    access = [ACCESS_LINE.match(line) for line in lines]
    assert [found.groups()[:2] for found in access if found][-1] == ("GET", "403"), lines
    assert all(access), lines
    assert NUMBER[4:] not in gunicorn.logs()
