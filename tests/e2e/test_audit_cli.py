"""`handsoff audit verify` on the embedded defaults, after a command that writes to the log."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def handsoff(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "service.cli.main", *args],
        env={**env, "HANDSOFF_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_officer_change_is_sealed_and_verify_catches_an_edit_to_it(tmp_path: Path) -> None:
    added = handsoff(
        tmp_path, "officer", "add", "--name", "Ana", "--phone", "+258841234567",
        "--province", "sofala", "--role", "coordinator",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    intact = handsoff(tmp_path, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "audit chain intact: 1 entries" in intact.stdout
    with sqlite3.connect(tmp_path / "handsoff.db") as db:
        signer = db.execute("SELECT signer FROM audit_log").fetchone()[0]
        db.execute("UPDATE audit_log SET action = 'officer_removed'")
    # Sealed with the desk's key: the embedded folder holds every key, the desk's first.
    assert signer == "desk"
    broken = handsoff(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert "audit chain broken at entry #1" in broken.stderr
    assert "Traceback" not in broken.stderr
