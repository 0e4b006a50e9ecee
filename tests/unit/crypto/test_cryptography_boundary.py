"""Only crypto/ imports `cryptography`: the rest of the code base goes through its API."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OTHER_PACKAGES = ["flows", "service", "workers", "config"]


def imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_package_but_crypto_imports_cryptography() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in OTHER_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "cryptography" in imported_top_level_names(path)
    ]
    assert offenders == []
