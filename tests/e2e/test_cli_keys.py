"""Key creation is an explicit offline step: `handsoff keys init|export`; `handsoff init` in
production creates the schema and no key; production processes refuse keys not theirs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from config.settings import Settings
from crypto import ROLE_FILES, ROLES, ForbiddenKeyFile, KeyStore, Role
from service.bootstrap.web import build_web
from service.bootstrap.worker import build_worker
from service.cli.main import main
from tests.support.apps import embedded_settings, production_settings

ALL_KEY_FILES = {
    "report.public.json",
    "report.private.json",
    "contact.public.json",
    "contact.private.json",
    "session.secret.json",
    "pseudonym.secret.json",
    "code.secret.json",
    "number.secret.json",
    "desk.secret.json",
    "audit.web.json",
    "audit.worker.json",
    "audit.desk.json",
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(args: list[str], **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = CliRunner().invoke(main, args, env={**clean, **env})
    assert result.exit_code == 0, result.output
    return result.output


def test_keys_init_creates_every_key_owner_only(tmp_path: Path) -> None:
    output = run(["keys", "init"], HANDSOFF_HOME=str(tmp_path / "admin"))
    folder = tmp_path / "admin" / "keys"
    assert {p.name for p in folder.iterdir()} == ALL_KEY_FILES
    assert mode(folder) == 0o700
    assert all(mode(p) == 0o600 for p in folder.iterdir())
    assert "offline" in output


@pytest.mark.parametrize("role", ROLES)
def test_keys_export_copies_exactly_one_roles_files_owner_only(tmp_path: Path, role: Role) -> None:
    admin = str(tmp_path / "admin")
    run(["keys", "init"], HANDSOFF_HOME=admin)
    dest = tmp_path / f"{role}-keys"
    run(["keys", "export", "--role", role, str(dest)], HANDSOFF_HOME=admin)
    assert {p.name for p in dest.iterdir()} == set(ROLE_FILES[role])
    assert mode(dest) == 0o700
    assert all(mode(p) == 0o600 for p in dest.iterdir())
    full = tmp_path / "admin" / "keys"
    assert all(
        (dest / name).read_bytes() == (full / name).read_bytes() for name in ROLE_FILES[role]
    )


def test_no_role_gets_a_private_key_it_must_not_hold() -> None:
    assert not any("private" in name for name in ROLE_FILES["web"])
    assert "report.private.json" not in ROLE_FILES["worker"]
    assert "contact.private.json" not in ROLE_FILES["desk"]


def test_keys_export_refuses_a_destination_holding_another_roles_key(tmp_path: Path) -> None:
    admin = str(tmp_path / "admin")
    run(["keys", "init"], HANDSOFF_HOME=admin)
    dest = tmp_path / "shared"
    run(["keys", "export", "--role", "desk", str(dest)], HANDSOFF_HOME=admin)
    result = CliRunner().invoke(
        main, ["keys", "export", "--role", "web", str(dest)], env={"HANDSOFF_HOME": admin}
    )
    assert result.exit_code != 0
    assert "report.private.json" in result.output
    assert "report.private.json" not in ROLE_FILES["web"]


def test_init_on_a_production_configuration_creates_the_schema_and_no_key(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    home = tmp_path / "srv"
    output = run(["init"], HANDSOFF_HOME=str(home), DATABASE_URL=postgres_url, REDIS_URL=redis_url)
    assert "Schema is up to date" in output
    assert not (home / "keys").exists()
    assert "handsoff keys init" in output


def test_init_on_the_embedded_default_makes_the_database_and_keys_owner_only(
    tmp_path: Path,
) -> None:
    home = tmp_path / "laptop"
    run(["init"], HANDSOFF_HOME=str(home))
    assert mode(home) == 0o700
    assert mode(home / "handsoff.db") == 0o600
    assert {p.name for p in (home / "keys").iterdir()} == ALL_KEY_FILES


def test_the_embedded_database_file_is_owner_only_from_its_first_start(tmp_path: Path) -> None:
    container = build_web(embedded_settings(tmp_path / "laptop"))
    container.close()
    assert mode(tmp_path / "laptop" / "handsoff.db") == 0o600


def _with_extra(settings: Settings, name: str) -> None:
    """Copy one file from the admin machine's folder into the process's key folder."""
    admin = settings.home / "admin" / "keys"
    (settings.keys_dir / name).write_bytes((admin / name).read_bytes())


@pytest.mark.parametrize("forbidden", ["report.private.json", "contact.private.json"])
def test_a_production_web_refuses_to_start_holding_a_private_key(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str, forbidden: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    build_web(settings).close()  # its own share starts
    _with_extra(settings, forbidden)
    with pytest.raises(ForbiddenKeyFile, match=forbidden.replace(".", r"\.")):
        build_web(settings)


def test_a_production_worker_refuses_to_start_holding_the_report_private_key(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    web = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    worker_home = tmp_path / "worker"
    KeyStore(tmp_path / "admin" / "keys").export(worker_home / "keys", role="worker")
    worker = Settings.from_env(
        {
            "HANDSOFF_HOME": str(worker_home),
            "DATABASE_URL": postgres_url,
            "REDIS_URL": redis_url,
            "HANDSOFF_SMS": "log",  # no aggregator here: the key check is what is tested
        },
        serves_callbacks=False,
    )
    build_worker(worker).engine.dispose()  # its own share starts
    (worker.keys_dir / "report.private.json").write_bytes(
        (tmp_path / "admin" / "keys" / "report.private.json").read_bytes()
    )
    with pytest.raises(ForbiddenKeyFile, match=r"report\.private\.json") as caught:
        build_worker(worker)
    assert caught.value.role == "worker"
    assert web.keys_dir != worker.keys_dir


def test_handsoff_serve_and_worker_say_which_file_they_refuse(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    _with_extra(settings, "report.private.json")
    env = {
        "HANDSOFF_HOME": str(settings.home),
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "WEBHOOK_TOKEN": webhook_token,
        "HANDSOFF_SMS": "log",  # no aggregator here: the key check is what is tested
    }
    for command in (["serve"], ["worker", "--burst"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code != 0
        assert "report.private.json" in result.output, command
        assert "Traceback" not in result.output


def test_officer_commands_on_the_web_host_say_they_belong_on_the_worker(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    settings = production_settings(tmp_path, postgres_url, redis_url, webhook_token)
    env = {
        "HANDSOFF_HOME": str(settings.home),
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
    }
    args = ["officer", "add", "--name", "Ana", "--phone", "+258841119301"]
    args += ["--province", "sofala", "--role", "psychosocial"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code != 0
    assert "number.secret.json" in result.output and "worker" in result.output
    assert "Traceback" not in result.output
