"""`handsoff staff add|list|reset|disable` and `handsoff desk --help`, on the embedded defaults."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
from click.testing import CliRunner

from service.cli.main import main

URI = re.compile(r"otpauth://totp/\S+")
PASSWORD = re.compile(r"One-time password for \S+: (\S+)")


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"HANDSOFF_HOME": str(home)})
    return result.exit_code, result.output


def test_staff_add_prints_a_one_time_password_and_a_totp_uri_once(tmp_path: Path) -> None:
    code, out = _run(
        tmp_path, "staff", "add", "ana", "--role", "coordinator", "--province", "Sofala"
    )
    assert code == 0, out
    uri = URI.search(out)
    password = PASSWORD.search(out)
    assert uri is not None and password is not None
    secret = parse_qs(urlparse(uri.group(0)).query)["secret"][0]
    assert len(pyotp.TOTP(secret).now()) == 6
    assert uri.group(0).startswith("otpauth://totp/Hands%20Off%20desk:ana?")
    listed = _run(tmp_path, "staff", "list")[1]
    assert "ana" in listed and "sofala" in listed and "first sign-in pending" in listed
    assert password.group(1) not in listed and secret not in listed
    database = (tmp_path / "handsoff.db").read_bytes()
    assert password.group(1).encode() not in database and secret.encode() not in database


def test_staff_add_draws_the_uri_as_a_qr_code_on_request(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "staff", "add", "aud", "--role", "auditor", "--qr")
    assert code == 0, out
    assert sum(line.count("█") for line in out.splitlines()) > 100


def test_staff_reset_gives_new_secrets_and_disable_stops_the_account(tmp_path: Path) -> None:
    first = _run(tmp_path, "staff", "add", "ana", "--role", "coordinator")[1]
    code, again = _run(tmp_path, "staff", "reset", "ana")
    assert code == 0
    assert URI.search(again) is not None and URI.search(again) != URI.search(first)
    assert PASSWORD.search(again).group(1) != PASSWORD.search(first).group(1)  # type: ignore[union-attr]
    assert _run(tmp_path, "staff", "disable", "ana")[0] == 0
    assert "disabled" in _run(tmp_path, "staff", "list")[1]


def test_staff_commands_refuse_bad_input_with_a_one_line_reason(tmp_path: Path) -> None:
    cases = [
        (("staff", "add", "rita", "--role", "officer"), "needs --officer"),
        (("staff", "add", "rita", "--role", "officer", "--officer", "9"), "no active officer"),
        (("staff", "add", "x", "--role", "coordinator", "--province", "Atlantis"), "province"),
        (("staff", "add", "bad name!", "--role", "auditor"), "username"),
        (("staff", "add", "aud", "--role", "auditor", "--province", "gaza"), "only a coord"),
        (("staff", "reset", "nobody"), "no account"),
    ]
    for args, reason in cases:
        code, out = _run(tmp_path, *args)
        assert code != 0 and reason in out, (args, out)
        assert "Traceback" not in out
    _run(tmp_path, "staff", "add", "ana", "--role", "coordinator")
    code, out = _run(tmp_path, "staff", "add", "ANA", "--role", "coordinator")
    assert code != 0 and "exists already" in out


def test_handsoff_desk_takes_the_same_host_and_port_options_as_serve(tmp_path: Path) -> None:
    desk_help = _run(tmp_path, "desk", "--help")[1]
    serve_help = _run(tmp_path, "serve", "--help")[1]
    for option in ("--host", "--port"):
        assert option in desk_help and option in serve_help
