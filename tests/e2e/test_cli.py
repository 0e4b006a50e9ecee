"""The `handsoff` command as a newcomer uses it: init, serve, simulate."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from service.cli.main import main
from tests.support.journeys import SEND, report_answers
from tests.support.services import free_port

# Not in danger, forced sex today, by a client, in Sofala, urgent health care, SMS; then send.
REPORT_INPUTS = [*report_answers(danger=False), SEND]


def handsoff_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {**env, "HANDSOFF_HOME": str(home), **extra}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`handsoff serve` on its embedded defaults, as the README's first command starts it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli.main", "serve", "--port", str(port)],
        env=handsoff_env(tmp_path / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("handsoff serve did not start")
        yield url
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
        assert "EMBEDDED DEFAULT" in output  # the loud warning about generated keys
        # Nobody registered yet: said once, loudly, that reports will wait.
        assert output.count("NO CASE OFFICER IS REGISTERED") == 1
        assert "Traceback" not in output


def test_simulate_files_a_report_against_a_served_instance(served: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli.main",
            "simulate",
            "--url",
            f"{served}/ussd",
            "--phone",
            "+258841234567",
        ],
        input="\n".join(REPORT_INPUTS) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=handsoff_env(tmp_path / "simulator"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Recebido. O seu codigo:" in result.stdout


def test_init_is_safe_to_run_twice(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"HANDSOFF_HOME": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    first = runner.invoke(main, ["init"], env=env)
    second = runner.invoke(main, ["init"], env=env)
    assert first.exit_code == 0 and "Created key files" in first.output
    assert second.exit_code == 0 and "Keys already present" in second.output
    assert (tmp_path / "handsoff.db").exists()


def test_production_settings_without_a_token_stop_the_start_clearly(tmp_path: Path) -> None:
    env = {
        "HANDSOFF_HOME": str(tmp_path),
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "WEBHOOK_TOKEN": "",
    }
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code != 0
    assert "WEBHOOK_TOKEN is not set" in result.output


def test_simulate_says_so_when_nothing_answers(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/ussd"
    result = CliRunner().invoke(main, ["simulate", "--url", url, "--phone", "+258841234567"])
    assert result.exit_code == 1 and "network error" in result.output


def test_production_without_provisioned_keys_says_which_file_is_missing(tmp_path: Path) -> None:
    env = {
        "HANDSOFF_HOME": str(tmp_path),
        "REDIS_URL": "redis://127.0.0.1:6379/11",
        "DATABASE_URL": "",
        "WEBHOOK_TOKEN": "k" * 40,
    }
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code != 0
    assert "key file missing" in result.output and "the web holds" in result.output
    assert "`handsoff keys init`" in result.output
    assert "`handsoff keys export --role web DEST`" in result.output
    assert "Traceback" not in result.output
