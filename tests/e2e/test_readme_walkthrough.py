"""The README walk-through, command by command, on a fresh folder: an alert and an answer.

Each step is a subprocess of the real `handsoff` command on the embedded defaults, run from an
empty folder as a newcomer's clone would be (HANDSOFF_HOME left unset: `./instance`). The one
liberty taken: a free port instead of 8000, so that runs on one machine do not collide.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.e2e.test_cli import REPORT_INPUTS
from tests.support.services import free_port

# The README's numbers: two officers, and a reporter whose number is neither of theirs.
OFFICER = "+258841000001"
COORDINATOR = "+258841000002"
REPORTER = "+258847654321"
README_STEPS = [
    ["officer", "add", "--name", "Ana", "--phone", OFFICER, "--province", "sofala",
     "--role", "health_liaison"],
    ["officer", "add", "--name", "Carla", "--phone", COORDINATOR, "--province", "sofala",
     "--role", "coordinator"],
]  # fmt: skip


def _handsoff() -> list[str]:
    """The installed `handsoff` script next to this interpreter, as the README calls it."""
    script = Path(sys.executable).with_name("handsoff")
    return [str(script)] if script.exists() else [sys.executable, "-m", "service.cli.main"]


def _env() -> dict[str, str]:
    unset = {"DATABASE_URL", "REDIS_URL", "HANDSOFF_HOME", "WEBHOOK_TOKEN", "AT_USERNAME"}
    return {k: v for k, v in os.environ.items() if k not in unset}


def _run(clone: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_handsoff(), *args],
        cwd=clone,
        env=_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    folder = tmp_path / "clone"
    folder.mkdir()
    return folder


@contextmanager
def _serving(clone: Path) -> Iterator[tuple[str, list[str]]]:
    """`handsoff serve` from the clone; yields its URL and, once stopped, its output lines."""
    port = free_port()
    process = subprocess.Popen(
        [*_handsoff(), "serve", "--port", str(port)],
        cwd=clone,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/ussd"
    output: list[str] = []
    try:
        for _ in range(150):
            try:
                if requests.get(url.replace("/ussd", "/healthz"), timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("handsoff serve did not start")
        yield url, output
    finally:
        process.terminate()
        output.extend(process.communicate(timeout=10)[0].decode().splitlines())


def _outbox_texts(clone: Path) -> list[str]:
    log = clone / "instance" / "sms-outbox.log"
    if not log.exists():
        return []
    return [json.loads(line)["text"] for line in log.read_text().splitlines() if line]


def _wait_for_alert(clone: Path, code: str) -> str:
    for _ in range(200):
        found = [text for text in _outbox_texts(clone) if code in text]
        if found:
            return found[0]
        time.sleep(0.1)
    pytest.fail("no officer alert reached the local SMS log")


def test_following_the_readme_gives_an_officer_alert_and_an_answered_command(
    clone: Path,
) -> None:
    with _serving(clone) as (url, served_output):
        # Your first hour, before the first report, from a second terminal: an officer and a
        # coordinator (README, "Your first hour").
        for step in README_STEPS:
            added = _run(clone, *step)
            assert added.returncode == 0, added.stdout + added.stderr
            assert added.stdout.startswith("Officer ")

        # A report from the terminal phone, from the reporter's own number.
        stdin = "\n".join(REPORT_INPUTS) + "\n"
        reported = _run(clone, "simulate", "--url", url, "--phone", REPORTER, stdin=stdin)
        assert reported.returncode == 0, reported.stdout + reported.stderr
        match = re.search(r"codigo: (\d{9})", reported.stdout)
        assert match, reported.stdout
        code = match.group(1)

        # The officer's alert lands in instance/sms-outbox.log.
        alert = _wait_for_alert(clone, code)
        assert f"caso {code}," in alert.lower() and alert.endswith(f"OK {code}")

        # The officer answers by SMS from the terminal phone: the reply is shown.
        answered = _run(clone, "simulate", "--url", url, "--phone", OFFICER, "--sms", f"OK {code}")
        assert answered.returncode == 0, answered.stdout + answered.stderr
        assert f"SMS out: Caso {code} confirmado. Para fechar: FIM {code}" in answered.stdout
    text = "\n".join(served_output)
    # Started with nobody registered, the service said so once; nothing crashed.
    assert text.count("NO CASE OFFICER") == 1 and "Traceback" not in text
