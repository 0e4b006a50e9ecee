"""Provision a throw-away PostgreSQL schema, Redis database and key folder; run servers on them.

Everything here is loopback only and cleans up after itself: servers are started in their own
process group and stopped by that group's id, the schema is dropped, the Redis database flushed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from bench.servers import SERVICE_APP, ServerSpec, missing_program, server_argv

__all__ = ["SERVICE_APP", "ServerSpec"]

REPO = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_HOST = "redis://127.0.0.1:6379"
FLOOR_APP = "bench.floor_app:app"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


class BenchError(Exception):
    """The bench cannot run here; the message says why."""


@dataclass
class Backends:
    """A fresh schema, an empty Redis database, a key folder and the env that points at them."""

    schema: str
    redis_db: int
    home: Path
    token: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def worker_home(self) -> Path:
        """The worker's instance folder: its own share of the keys, as on a worker host."""
        return self.home / "worker"

    @property
    def database_url(self) -> str:
        return f"{POSTGRES}?options=-csearch_path%3D{self.schema}"

    @property
    def redis_url(self) -> str:
        return f"{REDIS_HOST}/{self.redis_db}"

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)


def provision(redis_db: int) -> Backends:
    """Create the schema, check the Redis database is empty, make and export the keys per role."""
    client = redis.Redis.from_url(f"{REDIS_HOST}/{redis_db}", socket_connect_timeout=2)
    try:
        size = client.dbsize()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {REDIS_HOST} does not answer: {error}") from None
    finally:
        client.close()
    if size:
        raise BenchError(
            f"Redis database {redis_db} holds {size} keys; the bench only uses an empty one "
            "(pick another with --redis-db)."
        )
    schema = "bench_" + secrets.token_hex(5)
    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL at {POSTGRES} does not answer: {error}") from None
    home = Path(tempfile.mkdtemp(prefix="handsoff-bench-"))
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    token = "".join(secrets.choice(alphabet) for _ in range(40))
    backends = Backends(schema=schema, redis_db=redis_db, home=home, token=token)
    backends.env = {
        **os.environ,
        "DATABASE_URL": backends.database_url,
        "REDIS_URL": backends.redis_url,
        "HANDSOFF_HOME": str(home / "instance"),
        "WEBHOOK_TOKEN": token,
        "PYTHONPATH": str(REPO),
    }
    for name in ("AT_USERNAME", "AT_API_KEY", "AT_SENDER_ID", "AT_API_BASE_URL"):
        backends.env.pop(name, None)
    admin = str(home / "admin-keys")
    steps = [
        ["init"],
        ["keys", "init", "--dir", admin],
        ["keys", "export", "--dir", admin, "--role", "web", str(home / "instance" / "keys")],
        ["keys", "export", "--dir", admin, "--role", "worker", str(backends.worker_home / "keys")],
    ]
    try:
        for step in steps:
            run = subprocess.run(
                [*handsoff_command(), *step],
                env=backends.env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if run.returncode != 0:
                raise BenchError(f"handsoff {step[0]} failed:\n{run.stdout}\n{run.stderr}")
    except BaseException:
        teardown(backends)
        raise
    return backends


def teardown(backends: Backends) -> None:
    """Drop the schema, flush the Redis database, remove the key folder. Never raises."""
    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {backends.schema} CASCADE")
    except psycopg.Error as error:
        print(f"warning: could not drop schema {backends.schema}: {error}", file=sys.stderr)
    try:
        client = backends.redis()
        client.flushdb()
        client.close()
    except redis.RedisError as error:
        print(f"warning: could not flush Redis db {backends.redis_db}: {error}", file=sys.stderr)
    shutil.rmtree(backends.home, ignore_errors=True)


def handsoff_command() -> list[str]:
    """The venv's `handsoff` script, or the module when the package is not installed."""
    script = Path(sys.executable).parent / "handsoff"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "service.cli.main"]


def handsoff_has(command: str) -> bool:
    """Does the installed CLI offer this sub-command (e.g. `worker`)?"""
    try:
        run = subprocess.run(
            [*handsoff_command(), command, "--help"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return run.returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ProcessGroup:
    """A server this bench started in its own process group, on a loopback port."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The group leader's pid and its children's (a server's master and workers)."""
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            return [root.pid, *(c.pid for c in root.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """SIGTERM the group this bench started, then SIGKILL it if it lingers."""
        if self.process.poll() is not None:
            return
        pgid = self.process.pid  # start_new_session=True: the group id is the child's pid.
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Server(ProcessGroup):
    """A WSGI server (bench/servers.py) running one app."""

    spec: ServerSpec | None = None


def start_server(name: str, app: str, spec: ServerSpec, backends: Backends) -> Server:
    """Start `app` under `spec` with the bench env and wait until /healthz answers."""
    port = free_port()
    logs = backends.home / "logs"
    logs.mkdir(exist_ok=True)
    log_path = logs / f"{name}-{port}.log"
    missing = missing_program(spec)
    if missing:
        raise BenchError(f"{spec.label}: {missing}")
    argv = server_argv(spec, app, port, logs)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=backends.env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name=name, spec=spec, port=port, process=process, log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} server exited at start:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise BenchError(f"{name} server did not answer /healthz in {START_TIMEOUT:.0f}s")


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds of these processes so far (gone ones count as 0)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total
