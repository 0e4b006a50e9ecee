"""Find or start real PostgreSQL and Redis servers for the tests; fail loudly when neither works."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis


class ServiceMissing(RuntimeError):
    """A real service the tests need cannot be reached or started."""


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise ServiceMissing(
            f"PostgreSQL's {name} is not installed; install the postgresql package "
            "(apt-get install postgresql) or point TEST_DATABASE_URL at a server."
        )
    return found


@dataclass
class PrivateRedis:
    """A redis-server of our own on a spare loopback port; safe to kill and restart."""

    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if not binary:
            raise ServiceMissing("redis-server is not installed (apt-get install redis-server).")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(lambda: redis_reachable(self.url), "private redis-server")
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temporary folder, on a spare loopback port."""

    port: int
    folder: Path
    started: bool = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PrivatePostgres:
        data = self.folder / "data"
        if not data.exists():
            subprocess.run(
                [_postgres_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"],
                check=True,
                capture_output=True,
                **_as_postgres_user(),
            )
        subprocess.run(
            [
                _postgres_bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.folder / "log"),
                "-w",
                "-o",
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}",
                "start",
            ],
            check=True,
            capture_output=True,
            **_as_postgres_user(),
        )
        self.started = True
        _wait_until(lambda: postgres_reachable(self.url), "private PostgreSQL")
        return self

    def stop(self, mode: str = "fast") -> None:
        if self.started:
            subprocess.run(
                [_postgres_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", mode, "stop"],
                check=False,
                capture_output=True,
                **_as_postgres_user(),
            )
            self.started = False


def _as_postgres_user() -> dict[str, object]:
    """initdb refuses to run as root: drop to the postgres user when we are root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        user = pwd.getpwnam("postgres")
    except KeyError as error:
        raise ServiceMissing("running as root and there is no postgres user") from error
    return {"user": user.pw_uid, "group": user.pw_gid}


def private_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


def _wait_until(ready: object, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise ServiceMissing(f"{what} did not come up within {timeout:.0f} s")
