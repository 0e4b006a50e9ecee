"""SMS command parsing: verbs in both languages, any case, codes typed in groups, bad shapes."""

from __future__ import annotations

import pytest

from service.casework.sms_commands import (
    FreeText,
    Malformed,
    OfficerCommand,
    ReporterCommand,
    looks_like_officer_command,
    parse_officer,
    parse_reporter,
)

CODE = "123456789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"OK {CODE}", OfficerCommand("ack", CODE)),
        (f"ok {CODE}", OfficerCommand("ack", CODE)),
        ("Ok 123 456 789", OfficerCommand("ack", CODE)),
        ("OK 123-456-789", OfficerCommand("ack", CODE)),
        (f"FIM {CODE}", OfficerCommand("close", CODE)),
        (f"fim {CODE} 3", OfficerCommand("close", CODE, (3,))),
        (f"CLOSE {CODE} 8", OfficerCommand("close", CODE, (8,))),
        (f"ENC {CODE} 1", OfficerCommand("refer", CODE, (1,))),
        (f"ref {CODE}", OfficerCommand("refer", CODE)),
        (f"RES {CODE} 2 1", OfficerCommand("outcome", CODE, (2, 1))),
        (f"result {CODE} 2 1", OfficerCommand("outcome", CODE, (2, 1))),
        (
            f"NOTA {CODE} ela  ligou, tudo bem",
            OfficerCommand("note", CODE, text="ela  ligou, tudo bem"),
        ),
        (
            "note 123 456 789 Called: 12 times",
            OfficerCommand("note", CODE, text="Called: 12 times"),
        ),
        (f"TEL {CODE}", OfficerCommand("contact", CODE)),
        (f"call {CODE}", OfficerCommand("contact", CODE)),
        ("CASOS", OfficerCommand("cases")),
        ("cases", OfficerCommand("cases")),
        ("AJUDA", OfficerCommand("help")),
        ("help me", OfficerCommand("help")),
        ("OK.", Malformed("ack")),
    ],
)
def test_officer_commands_parse(text: str, expected: object) -> None:
    assert parse_officer(text) == expected


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("OK", "ack"),
        ("OK 12345", "ack"),
        ("OK 1234567890", "ack"),
        (f"OK {CODE} extra", "ack"),
        (f"FIM {CODE} x", "close"),
        (f"FIM {CODE} 1 2", "close"),
        (f"NOTA {CODE}", "note"),
        (f"NOTA {CODE}   ", "note"),
        ("CASOS 1", "cases"),
        (f"RES {CODE} 1 2 3", "outcome"),
    ],
)
def test_officer_commands_with_bad_arguments_are_malformed(text: str, verb: str) -> None:
    assert parse_officer(text) == Malformed(verb)  # type: ignore[arg-type]  # verbs come as plain str from the table


@pytest.mark.parametrize("text", ["", "   ", "bom dia", "obrigada pela ajuda", "OKAY 123456789"])
def test_text_without_an_officer_verb_is_not_an_officer_command(text: str) -> None:
    assert parse_officer(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PARAR", ReporterCommand("stop", "pt")),
        ("parar!", ReporterCommand("stop", "pt")),
        ("Stop please", ReporterCommand("stop", "en")),
        ("AJUDA", ReporterCommand("help", "pt")),
        ("help", ReporterCommand("help", "en")),
        (f"ESTADO {CODE} 1234", ReporterCommand("status", "pt", CODE, "1234")),
        ("status 123 456 789 1234", ReporterCommand("status", "en", CODE, "1234")),
        ("ESTADO", ReporterCommand("status", "pt")),
        (f"ESTADO {CODE}", ReporterCommand("status", "pt")),
        (f"ESTADO {CODE} abcd", ReporterCommand("status", "pt")),
        ("  fui roubada ontem  ", FreeText("fui roubada ontem")),
        ("", FreeText("")),
    ],
)
def test_reporter_messages_parse(text: str, expected: object) -> None:
    assert parse_reporter(text) == expected


def test_only_an_officer_verb_with_a_code_counts_as_probing_the_officer_channel() -> None:
    assert looks_like_officer_command(f"OK {CODE}")
    assert looks_like_officer_command("CASOS")
    assert not looks_like_officer_command("ok obrigada")
    assert not looks_like_officer_command("AJUDA")
    assert not looks_like_officer_command("preciso de ajuda")
