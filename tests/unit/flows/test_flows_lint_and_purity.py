"""The discreet-wording lint, the USSD folding, and the core's standard-library-only rule."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from flows import Bundle, render_ussd, replay, system_screen
from flows.lint import denied_words, discreet_problems, exposed_text_keys
from flows.text_fold import fold_ascii

FLOWS = Path(__file__).resolve().parents[3] / "flows"
BANNED_MODULES = {"time", "random", "secrets", "os", "socket", "subprocess", "pathlib", "io"}
NEUTRAL_STATUS = {"status.received", "status.handled", "status.referred", "status.concluded"}


@pytest.mark.parametrize(
    "text",
    ["Violência", "violence", "POLÍCIA", "police", "sexo", "sexual", "HIV", "violação", "rape",
     "abuso", "abuse", "Queixa", "estupro"],
)  # fmt: skip
def test_denied_words_are_caught_in_either_language_and_any_case(text: str) -> None:
    assert denied_words(f"Menu: {text}.")


@pytest.mark.parametrize("text", ["Pedir apoio", "Ver um caso", "Estado: recebido.", "Obrigado."])
def test_neutral_wording_passes(text: str) -> None:
    assert denied_words(text) == ()


def test_the_packaged_flows_pass_the_discreet_wording_lint(bundle: Bundle) -> None:
    assert list(discreet_problems(bundle)) == []


def test_the_lint_covers_the_first_screen_status_words_and_the_quick_exit(bundle: Bundle) -> None:
    keys = exposed_text_keys(bundle)
    assert {"main.title", "main.report", "main.help", "sys.goodbye"} <= keys
    assert NEUTRAL_STATUS | {"status.unknown"} <= keys


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_nothing_on_the_first_screen_says_violence_police_or_sex(bundle: Bundle, lang: str) -> None:
    text = render_ussd(bundle, lang, replay(bundle, [], lang=lang).screen)
    assert denied_words(text) == ()


def test_status_words_are_the_four_neutral_ones(bundle: Bundle) -> None:
    words = {key: render_ussd(bundle, "en", system_screen(key)) for key in NEUTRAL_STATUS}
    assert words == {
        "status.received": "Status: received.",
        "status.handled": "Status: being handled.",
        "status.referred": "Status: referred.",
        "status.concluded": "Status: concluded.",
    }


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Opção inválida", "Opcao invalida"),
        ("Zambézia", "Zambezia"),
        ("\u201cOl\u00e1\u201d \u2013 j\u00e1", '"Ola" - ja'),
        ("Mais…", "Mais..."),
        ("€ 5 ✓", "? 5 ?"),
        ("linha\num", "linha\num"),
    ],
)
def test_folding_drops_accents_and_marks_what_has_no_ascii_twin(text: str, folded: str) -> None:
    assert fold_ascii(text) == folded


def _imports(path: Path) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
    return found


def test_the_flows_core_imports_only_the_standard_library_and_nothing_with_side_effects() -> None:
    modules = sorted(FLOWS.rglob("*.py"))
    assert modules
    problems = []
    for path in modules:
        for name, line in _imports(path):
            top = name.split(".")[0]
            if top == "flows":
                continue
            if top not in sys.stdlib_module_names or top in BANNED_MODULES:
                problems.append(f"{path.name}:{line} imports {name}")
    assert problems == []


def test_the_flows_core_never_reads_the_clock() -> None:
    problems = []
    for path in sorted(FLOWS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"now", "utcnow", "today"}
                and isinstance(node.value, ast.Name)
                and node.value.id in {"datetime", "date"}
            ):
                problems.append(f"{path.name}:{node.lineno} calls {node.value.id}.{node.attr}")
            if isinstance(node, ast.Name) and node.id in {"open", "input", "print", "eval", "exec"}:
                problems.append(f"{path.name}:{node.lineno} uses {node.id}")
    assert problems == []
