"""The WSGI servers the bench can compare, and the command line that starts each one.

A spec is a kind and its sizes: `granian:2x2` (2 workers, 2 blocking threads each),
`gthread:2x4`, `sync:2`, `gevent:2x100` (workers x connections), `uwsgi:2x4`, `waitress:8`,
`spread:2x2` (2 granian servers of 1 worker x 2 threads, the phones spread evenly over them: what
a front that balances connections would give), or `procfile` (whatever the Procfile's web line
runs). Every server gets the same duties as in production: an access log of the same shape
through the redaction filter, the app imported in each worker (never before a fork: the pools
must not be shared), loopback only.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.procfile import expand_variables
from tests.support.procfile import procfile_line as read_procfile_line

SERVICE_APP = "service.web.wsgi:app"

# What the Procfile's web line ran before granian (kept so gunicorn stays comparable): its own
# loggers through the redaction filter, an access log without query strings or sizes.
GUNICORN_OPTIONS = [
    "--logger-class",
    "service.logs.gunicorn_logger.RedactingLogger",
    "--access-logformat",
    '%(h)s "%(m)s %(U)s" %(s)s ms=%(M)s',
]
# The same line for uWSGI: PATH_INFO, never the request URI (which holds the query string).
UWSGI_LOGFORMAT = '%(addr) "%(method) %(var.PATH_INFO)" %(status) ms=%(msecs)'
KINDS = ("granian", "gthread", "sync", "gevent", "uwsgi", "waitress", "spread")


class ServerSpecError(ValueError):
    """A spec the bench does not know."""


@dataclass(frozen=True)
class ServerSpec:
    kind: str
    workers: int
    threads: int
    from_procfile: bool = False

    @property
    def label(self) -> str:
        own = " (Procfile)" if self.from_procfile else ""
        if self.kind == "granian":
            return f"granian -w{self.workers} -t{self.threads}{own}"
        if self.kind == "sync":
            return f"gunicorn sync -w{self.workers}{own}"
        if self.kind == "gthread":
            return f"gunicorn gthread -w{self.workers} -t{self.threads}{own}"
        if self.kind == "gevent":
            return f"gunicorn gevent -w{self.workers} -c{self.threads}{own}"
        if self.kind == "uwsgi":
            return f"uWSGI -p{self.workers} -t{self.threads}{own}"
        if self.kind == "spread":
            return f"{self.workers} x granian -w1 -t{self.threads}, phones spread evenly"
        return f"waitress --threads={self.threads}{own}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.workers}x{self.threads}"

    @classmethod
    def parse(cls, text: str) -> ServerSpec:
        text = text.strip()
        if text == "procfile":
            return procfile_spec()
        kind, _, size = text.partition(":")
        defaults = {
            "granian": (2, 2),
            "gthread": (2, 4),
            "sync": (2, 1),
            "gevent": (2, 100),
            "uwsgi": (2, 4),
            "waitress": (1, 8),
            "spread": (2, 2),
        }
        if kind not in defaults:
            raise ServerSpecError(f"unknown server spec {text!r} ({', '.join(KINDS)}, procfile)")
        workers, threads = defaults[kind]
        try:
            if kind == "waitress":
                threads = int(size or threads)
            elif kind == "sync":
                workers = int(size or workers)
            elif size:
                w, _, t = size.partition("x")
                workers, threads = int(w), int(t or threads)
        except ValueError:
            raise ServerSpecError(f"bad sizes in server spec {text!r} (e.g. {kind}:2x4)") from None
        return cls(kind, workers, threads)

    def instances(self) -> list[ServerSpec]:
        """The servers this spec starts: one, or for `spread` that many granian of 1 worker."""
        if self.kind == "spread":
            return [ServerSpec("granian", 1, self.threads)] * self.workers
        return [self]


def procfile_line(process: str = "web") -> list[str]:
    """The Procfile's command for one process, split as a shell would (variables kept)."""
    try:
        return read_procfile_line(process)
    except AssertionError as error:  # how the tests' helper says the line is missing
        raise ServerSpecError(str(error)) from None


def expand(argv: list[str], env: dict[str, str]) -> list[str]:
    """`${PORT:-8000}` and `$PORT` as the shell that runs a Procfile would expand them."""
    return [expand_variables(arg, env) for arg in argv]


def _option(argv: list[str], *names: str) -> str | None:
    for i, arg in enumerate(argv[:-1]):
        if arg in names:
            return argv[i + 1]
    return None


def procfile_spec() -> ServerSpec:
    argv = procfile_line()
    program = Path(argv[0]).name
    workers = int(_option(argv, "--workers", "-w") or "1")
    if program == "granian":
        threads = int(_option(argv, "--blocking-threads") or "1")
        return ServerSpec("granian", workers, threads, from_procfile=True)
    if program == "gunicorn":
        threads = int(_option(argv, "--threads") or "1")
        kind = _option(argv, "--worker-class", "-k") or ("gthread" if threads > 1 else "sync")
        return ServerSpec(kind, workers, threads, from_procfile=True)
    raise ServerSpecError(f"the Procfile's web line runs {program}, which the bench does not know")


def _replace(argv: list[str], options: dict[str, str]) -> list[str]:
    """`argv` with each named option's value replaced (or the option added)."""
    out = list(argv)
    for name, value in options.items():
        if name in out[:-1]:
            out[out.index(name) + 1] = value
        else:
            out += [name, value]
    return out


def granian_argv(spec: ServerSpec, app: str, port: int) -> list[str]:
    """The Procfile's granian options when it runs granian, with this spec's sizes, on loopback."""
    line = procfile_line()
    if Path(line[0]).name == "granian":
        options = [a for a in expand(line[1:], {"PORT": str(port)}) if a != SERVICE_APP]
    else:
        options = ["--interface", "wsgi", "--log-config", "config/granian-logging.json"]
    options = _replace(
        options,
        {
            "--host": "127.0.0.1",
            "--port": str(port),
            "--workers": str(spec.workers),
            "--blocking-threads": str(spec.threads),
        },
    )
    return [sys.executable, "-m", "granian", *options, app]


def gunicorn_argv(spec: ServerSpec, app: str, port: int, access_log: Path) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", *GUNICORN_OPTIONS]
    argv += ["--access-logfile", str(access_log), "--bind", f"127.0.0.1:{port}"]
    # gunicorn >= 24 opens a control socket at one fixed path per user; two bench servers would
    # fight over it, and it plays no part in serving requests.
    if _gunicorn_has_control_socket():
        argv += ["--no-control-socket"]
    argv += ["--workers", str(spec.workers), "--worker-class", spec.kind]
    if spec.kind == "gthread":
        argv += ["--threads", str(spec.threads)]
    elif spec.kind == "gevent":
        argv += ["--worker-connections", str(spec.threads)]
    return [*argv, app]


def uwsgi_argv(spec: ServerSpec, app: str, port: int) -> list[str]:
    return [
        str(Path(sys.executable).parent / "uwsgi"),
        "--http11-socket",
        f"127.0.0.1:{port}",
        "--master",
        "--lazy-apps",  # import in each worker: no pool shared across a fork
        "--processes",
        str(spec.workers),
        "--threads",
        str(spec.threads),
        "--module",
        app,
        "--need-app",
        "--die-on-term",
        "--logformat",
        UWSGI_LOGFORMAT,
    ]


def waitress_argv(spec: ServerSpec, app: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "waitress",
        f"--listen=127.0.0.1:{port}",
        f"--threads={spec.threads}",
        app,
    ]


def server_argv(spec: ServerSpec, app: str, port: int, logs: Path) -> list[str]:
    if spec.kind == "spread":
        # Several servers, and phones spread over them: only the side-by-side comparison starts
        # it (bench/run.py); the soak, py-spy and worker modes run one server.
        raise ServerSpecError(f"{spec.key} is several servers: only the comparison runs it")
    if spec.kind == "granian":
        return granian_argv(spec, app, port)
    if spec.kind == "uwsgi":
        return uwsgi_argv(spec, app, port)
    if spec.kind == "waitress":
        return waitress_argv(spec, app, port)
    return gunicorn_argv(spec, app, port, logs / f"{app.split(':')[0]}-{port}.access.log")


def missing_program(spec: ServerSpec) -> str | None:
    """Why this server cannot run here (its package is not installed), or None."""
    module = {"gevent": "gevent", "waitress": "waitress", "granian": "granian"}.get(spec.kind)
    if spec.kind == "uwsgi":
        if not (Path(sys.executable).parent / "uwsgi").exists():
            return "uWSGI is not installed (pip install uwsgi)"
        return None
    if module is None:
        return None
    run = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, check=False, timeout=60
    )
    return None if run.returncode == 0 else f"{module} is not installed (pip install {module})"


@functools.cache
def _gunicorn_has_control_socket() -> bool:
    run = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ},
    )
    return "--no-control-socket" in run.stdout
