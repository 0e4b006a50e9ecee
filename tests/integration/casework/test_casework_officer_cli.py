"""`handsoff officer …`: register, list (numbers masked), edit, duty, deactivate; numbers sealed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.cli.main import main
from tests.support.canary import sqlite_file_bytes


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"HANDSOFF_HOME": str(tmp_path)}


def run(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=input)


def add(env: dict[str, str], name: str, phone: str, **options: str) -> Result:
    args = ["officer", "add", "--name", name, "--phone", phone]
    for key, value in {"province": "sofala", "role": "psychosocial", **options}.items():
        args += [f"--{key}", value]
    return run(env, *args)


def test_officers_are_added_and_listed_without_their_numbers(env: dict[str, str]) -> None:
    result = add(env, "Ana Maria", "841234567", province="Zambézia", role="paralegal")
    assert result.exit_code == 0, result.output
    assert "Officer 1 added" in result.output and "841234567" not in result.output
    assert add(env, "Coord", "+258 86 765 4321", role="coordinator").exit_code == 0

    listing = run(env, "officer", "list").output
    assert "Ana Maria" in listing and "zambezia" in listing and "paralegal" in listing
    assert "…67" in listing and "…21" in listing
    for secret in ("841234567", "1234567", "867654321", "7654321"):
        assert secret not in listing
    for blob in sqlite_file_bytes(Path(env["HANDSOFF_HOME"])):
        assert b"841234567" not in blob and b"867654321" not in blob


def test_the_number_may_be_typed_at_a_hidden_prompt(env: dict[str, str]) -> None:
    result = run(
        env,
        "officer", "add", "--name", "Bia", "--province", "gaza", "--role", "health_liaison",
        input="842223344\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "842223344" not in result.output


def test_a_bad_number_is_refused_without_echoing_it(env: dict[str, str]) -> None:
    result = add(env, "Ana", "5551234")
    assert result.exit_code != 0
    assert "invalid number" in result.output and "5551234" not in result.output


def test_a_number_registered_twice_is_refused(env: dict[str, str]) -> None:
    assert add(env, "Ana", "841234567").exit_code == 0
    result = add(env, "Outra", "+258841234567")
    assert result.exit_code != 0 and "already registered" in result.output


def test_unknown_provinces_and_roles_are_named_with_the_valid_choices(env: dict[str, str]) -> None:
    result = add(env, "Ana", "841234567", province="Lisboa")
    assert result.exit_code != 0 and "maputo_cidade" in result.output
    result = add(env, "Ana", "841234567", role="boss")
    assert result.exit_code != 0 and "police_liaison" in result.output


def test_edit_duty_and_deactivate(env: dict[str, str]) -> None:
    assert add(env, "Ana", "841234567").exit_code == 0
    assert (
        run(env, "officer", "edit", "1", "--name", "Ana B", "--phone", "845556677").exit_code == 0
    )
    assert run(env, "officer", "duty", "1", "off").exit_code == 0
    listing = run(env, "officer", "list").output
    assert "Ana B" in listing and "off duty" in listing and "…77" in listing
    result = run(env, "officer", "deactivate", "1")
    assert result.exit_code == 0 and "0 open case(s)" in result.output
    assert "Ana B" not in run(env, "officer", "list").output
    assert "deactivated" in run(env, "officer", "list", "--all").output
    assert run(env, "officer", "edit", "9", "--name", "X").exit_code != 0


def test_messages_failed_says_so_when_there_are_none(env: dict[str, str]) -> None:
    result = run(env, "messages", "failed")
    assert result.exit_code == 0 and "No failed messages." in result.output
