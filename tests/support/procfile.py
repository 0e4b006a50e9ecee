"""The Procfile's commands, runnable from a test: the program from this venv, the shell's
`${PORT:-8000}` expanded, bound to loopback on a spare port. The bench reads the Procfile
through the same functions (bench/servers.py)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_VARIABLE = re.compile(r"\$\{(\w+):-([^}]*)\}|\$(\w+)")


def procfile_line(process: str) -> list[str]:
    """The Procfile's command for one process, split as the shell would, variables unexpanded."""
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return shlex.split(command)
    raise AssertionError(f"no {process} line in the Procfile")


def expand_variables(arg: str, env: dict[str, str]) -> str:
    """`${NAME:-default}` and `$NAME` as the shell that runs a Procfile expands them."""

    def one(match: re.Match[str]) -> str:
        return env.get(match.group(1) or match.group(3)) or match.group(2) or ""

    return _VARIABLE.sub(one, arg)


def procfile_argv(process: str, port: int) -> list[str]:
    """The command as a process manager would run it with PORT set, but on 127.0.0.1 only."""
    line = [expand_variables(arg, {"PORT": str(port)}) for arg in procfile_line(process)]
    program, options = line[0], line[1:]
    if program == "granian":
        host = options.index("--host")
        options[host + 1] = "127.0.0.1"
        assert options[options.index("--port") + 1] == str(port), options
    elif program == "gunicorn":
        # gunicorn binds 0.0.0.0:$PORT by itself when PORT is set; a test binds loopback.
        options = [*options[:-1], "--bind", f"127.0.0.1:{port}", options[-1]]
    else:
        raise AssertionError(f"the Procfile's {process} line runs {program}, unknown here")
    return [sys.executable, "-m", program, *options]


def procfile_workers(process: str) -> int:
    """How many worker processes the Procfile's line starts."""
    line = procfile_line(process)
    return int(line[line.index("--workers") + 1])


def wait_for_workers(read_log: Callable[[], str], workers: int, seconds: float = 60) -> None:
    """Wait until granian says every worker has started.

    A worker still importing the app when SIGTERM arrives does not stop gracefully: granian
    kills it after --workers-kill-timeout. Tests that stop the server wait for this first.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if read_log().count("Started worker-") >= workers:
            return
        time.sleep(0.05)
    raise AssertionError(f"not all {workers} workers started:\n{read_log()[-2000:]}")


class ProcfileWeb:
    """The Procfile's web command running in its own process group, logging to one file."""

    def __init__(self, env: dict[str, str], log: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                procfile_argv("web", port),
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_ready(self, seconds: float = 60) -> None:
        import requests

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.logs()[-3000:]
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    wait_for_workers(self.logs, procfile_workers("web"), seconds)
                    return
            except requests.RequestException:  # not listening yet, or still importing the app
                pass
            time.sleep(0.1)
        raise AssertionError("the Procfile's web server did not answer:\n" + self.logs()[-3000:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
