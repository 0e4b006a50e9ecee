"""The layout shows the system: no import circle between packages, one wiring place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workers.context import NoWorkerContext, current, install

ROOT = Path(__file__).resolve().parents[2]
TOP = ("service", "flows", "crypto", "workers", "config")


def _package_of(module: str) -> str | None:
    """`service.intake.ussd` -> `service.intake`; `crypto.keys` -> `crypto`; others None."""
    parts = module.split(".")
    if parts[0] not in TOP:
        return None
    if parts[0] == "service" and len(parts) > 1 and (ROOT / "service" / parts[1]).is_dir():
        return ".".join(parts[:2])
    return parts[0]


def _runtime_imports(tree: ast.Module) -> list[str]:
    """Imports that run: those under `if TYPE_CHECKING:` only name types."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for top in TOP:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            source = _package_of(module)
            assert source is not None
            targets = graph.setdefault(source, set())
            for imported in _runtime_imports(ast.parse(path.read_text())):
                target = _package_of(imported)
                if target is not None and target != source:
                    targets.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of packages, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_package_imports_another_that_imports_it_back() -> None:
    graph = package_graph()
    assert "service.casework" in graph and "service.bootstrap" in graph
    assert find_cycle(graph) is None


def test_case_rules_and_jobs_never_import_the_composition_root() -> None:
    graph = package_graph()
    for package, targets in graph.items():
        if package not in {"service.bootstrap", "service.cli", "service.web"}:
            assert "service.bootstrap" not in targets, package


def test_only_the_queue_module_looks_at_a_concrete_queue() -> None:
    offenders = []
    for path in (ROOT / "service").rglob("*.py"):
        if path.name == "job_queue.py" or "bootstrap" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                names = {getattr(arg, "id", "") for arg in ast.walk(node.args[1])}
                if names & {"RqJobQueue", "InProcessJobQueue"}:
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_a_job_in_a_process_without_a_worker_context_fails_loudly() -> None:
    install(None)
    with pytest.raises(NoWorkerContext, match="handsoff worker"):
        current()
