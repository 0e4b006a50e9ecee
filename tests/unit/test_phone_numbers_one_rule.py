"""Phone numbers are normalised by one function, whoever reads them: callbacks and staff."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from service.casework.officers import OfficerError, normalise_officer_phone
from service.messaging.africastalking.callbacks import BadCallback, parse_inbound_sms

ROOT = Path(__file__).resolve().parents[2]
APP = ("service", "flows", "crypto", "workers", "config")


def test_only_the_phone_numbers_module_imports_phonenumbers() -> None:
    importers = []
    for top in APP:
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(name.split(".")[0] == "phonenumbers" for name in names):
                    importers.append(str(path.relative_to(ROOT)))
    assert importers == ["service/messaging/phone_numbers.py"]


@pytest.mark.parametrize("raw", ["841234567", "+258 84 123 4567", "258841234567", "+258841234567"])
def test_an_officer_and_an_sms_sender_with_the_same_number_are_the_same_number(raw: str) -> None:
    sms = parse_inbound_sms({"id": "m1", "from": raw, "text": "OK"})
    assert normalise_officer_phone(raw) == sms.sender == "+258841234567"


@pytest.mark.parametrize("raw", ["+258801234567", "12345", "+2588412345678", "x" * 40])
def test_a_number_one_refuses_the_other_refuses_too(raw: str) -> None:
    with pytest.raises(OfficerError):
        normalise_officer_phone(raw)
    with pytest.raises(BadCallback):
        parse_inbound_sms({"id": "m1", "from": raw, "text": "OK"})
