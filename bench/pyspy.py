"""Sample the web server's workers with py-spy while the load generator drives them.

The in-process profile (profile_hot_path.py) cannot see what the HTTP path costs: gunicorn's
worker loop, the access log, thread hand-offs. This samples the real workers under load
(`--pyspy SECONDS`), without pausing them, and prints where their CPU goes.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.stack import SERVICE_APP, Backends, ServerSpec, start_server

RATE = 250  # samples per second per process


def available() -> bool:
    return shutil.which("py-spy") is not None


def _short(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)".
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    path = where.rsplit(":", 1)[0]
    return f"{path}:{name}"


def _aggregate(files: list[Path]) -> dict[str, Any]:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for file in files:
        for line in file.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_short(f) for f in stack.split(";") if f and not f.startswith("process ")]
            frames = [f for f in frames if not f.startswith("thread ")]
            if not frames:
                continue
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    return {
        "samples": total,
        "inclusive_pct": [
            (f, round(100 * c / max(total, 1), 1)) for f, c in inclusive.most_common(45)
        ],
        "own_pct": [(f, round(100 * c / max(total, 1), 1)) for f, c in own.most_common(25)],
    }


def run_pyspy(
    backends: Backends, spec: ServerSpec, sessions: int, seconds: float, journey: str
) -> dict[str, Any]:
    service = start_server("service", SERVICE_APP, spec, backends)
    try:
        target = loadgen.Target("service", service.port, backends.token, journey)
        loadgen.run(target, sessions, 3.0)
        workers = service.pids()[1:]
        out = backends.home / "pyspy"
        out.mkdir(exist_ok=True)
        files = [out / f"{pid}.txt" for pid in workers]
        load = threading.Thread(target=loadgen.run, args=(target, sessions, seconds + 3))
        load.start()
        recorders = [
            subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    str(RATE),
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    str(file),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for pid, file in zip(workers, files, strict=True)
        ]
        errors = []
        for recorder in recorders:
            _, err = recorder.communicate(timeout=seconds + 60)
            if recorder.returncode != 0:
                errors.append(err.decode(errors="replace")[-300:])
        load.join(timeout=seconds + 60)
    finally:
        service.stop()
    present = [f for f in files if f.exists()]
    if not present:
        return {"status": "failed", "errors": errors}
    result = {"status": "ok", "server": spec.label, "sessions": sessions, "seconds": seconds}
    result.update(_aggregate(present))
    print_pyspy(result)
    return result


def print_pyspy(result: dict[str, Any]) -> None:
    print(
        f"\npy-spy on the server's workers ({result['server']}, {result['sessions']} sessions, "
        f"{result['seconds']:g}s, {result['samples']} samples of busy threads)"
    )
    print("Inclusive (share of busy samples with the function on the stack):")
    for frame, pct in result["inclusive_pct"]:
        print(f"  {pct:>5.1f}%  {frame}")
    print("Own (leaf frame):")
    for frame, pct in result["own_pct"]:
        print(f"  {pct:>5.1f}%  {frame}")
