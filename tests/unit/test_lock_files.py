"""The hashed lock files follow pyproject.toml: every dependency pinned, every pin hashed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ \\$")


def _name(requirement: str) -> str:
    """`psycopg[binary]>=3.2` -> `psycopg`, normalised as pip compares names."""
    bare = re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", bare).lower()


def _pins(lock: str | Path) -> dict[str, list[str]]:
    """Each pinned name and the `--hash` lines that follow it."""
    pins: dict[str, list[str]] = {}
    current = None
    for line in (ROOT / lock).read_text().splitlines():
        if match := PIN.match(line):
            current = _name(match.group(1))
            pins[current] = []
        elif current is not None and line.strip().startswith("--hash=sha256:"):
            pins[current].append(line.strip())
        elif not line.startswith(" "):
            current = None
    return pins


def _project() -> dict[str, list[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"main": data["dependencies"], "test": data["optional-dependencies"]["test"]}


def test_the_production_lock_pins_and_hashes_every_dependency_and_leaves_out_responses() -> None:
    pins = _pins("requirements.txt")
    assert {_name(r) for r in _project()["main"]} <= set(pins)
    assert all(hashes for hashes in pins.values()), [n for n, h in pins.items() if not h]
    # A test helper africastalking lists but never imports: production does without it.
    assert "responses" not in pins


def test_the_test_lock_pins_and_hashes_the_test_dependencies_too() -> None:
    pins = _pins("requirements-test.txt")
    wanted = {_name(r) for group in _project().values() for r in group}
    assert wanted <= set(pins), sorted(wanted - set(pins))
    assert all(hashes for hashes in pins.values())


def test_the_pin_reader_sees_a_pin_without_its_hash(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lines = ["flask==3.1.3 \\", "    --hash=sha256:ab", "    # via handsoff", "rq==3.0.0 \\"]
    lock.write_text("\n".join([*lines, "    # via handsoff", ""]))
    assert _pins(lock) == {"flask": ["--hash=sha256:ab"], "rq": []}
    assert _name("Flask_WTF[email]>=1") == "flask-wtf"
