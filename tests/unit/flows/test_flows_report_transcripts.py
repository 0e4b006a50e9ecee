"""Golden transcripts of the report flow, read like the conversation on the phone."""

from __future__ import annotations

import pytest

from flows import Bundle, SubmitCase, replay
from flows.transcript import TranscriptMismatch, run_transcript

FULL_REPORT_INPUTS = ["1", "1", "2", "2", "1", "1", "1", "1", "1", "2", "Ele recusou", "1234", "1"]


def test_a_full_report_with_description_and_pin_is_sent_on_confirm_in_portuguese(
    bundle: Bundle,
) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        < Menu principal
        < 1. Contar o que aconteceu
        < 99. Sair
        = CON
        > 1
        < O que aconteceu?
        < 98. Mais
        > 1
        < O que descreve melhor?
        < 2. Relacoes sem o preservativo combinado
        > 2
        < Esta em perigo agora?
        > 2
        ! none
        < Quando foi?
        > 1
        < Quem fez isto?
        > 1
        < Em que provincia?
        > 1
        < Que apoio quer?
        > 1
        < Podemos contactar este numero?
        > 1
        < O caso pode ir a policia?
        > 2
        < Quer dizer mais?
        < 1 para saltar
        > Ele recusou
        < PIN de 4 numeros
        > 1234
        < Enviar agora?
        <! Ele recusou
        <! 1234
        > 1
        = END
        ! SubmitCase(report, final)
        < O seu codigo: {code}
        <! Sem PIN
        """,
    )


def test_the_final_submit_carries_every_answer_as_codes(bundle: Bundle) -> None:
    result = replay(bundle, FULL_REPORT_INPUTS)
    assert result.screen.key == "report.done"
    assert result.effects == (
        SubmitCase(
            kind="report",
            stage="final",
            answers={
                "what": "condom_refused",
                "danger": "no",
                "when": "today",
                "who": "client",
                "province": "maputo_cidade",
                "help": "health",
                "contact": "sms",
                "police_ok": "no",
                "description": "Ele recusou",
                "pin": "1234",
            },
        ),
    )


def test_the_code_appears_as_digits_once_the_shell_fills_it(bundle: Bundle) -> None:
    from flows import render_ussd

    result = replay(bundle, FULL_REPORT_INPUTS)
    text = render_ussd(bundle, "pt", result.screen.with_params(code="123456789"))
    assert "123456789" in text
    assert len(text) <= 160


def test_saying_you_are_in_danger_submits_an_urgent_case_at_once_and_carries_on(
    bundle: Bundle,
) -> None:
    hops = run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 2
        < O que descreve melhor?
        < 1. Bateram-me
        > 1
        < Esta em perigo agora?
        > 1
        ! SubmitCase(report, urgent)
        = CON
        < Quando foi?
        """,
    )
    urgent = hops[-1].step.effects[0]
    assert isinstance(urgent, SubmitCase)
    assert urgent.answers == {"what": "beating", "danger": "yes"}


def test_a_report_without_description_or_pin_says_a_pin_is_needed_to_check(
    bundle: Bundle,
) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 3
        > 4
        < Esta em perigo agora?
        > 2
        > 5
        > 98
        > 98
        > 98
        < 14. Desconhecido
        > 14
        > 98
        < 11. Niassa
        > 11
        > 6
        > 3
        > 2
        > 1
        < PIN
        > 1
        < Enviar agora?
        > 1
        ! SubmitCase(report, final)
        < Sem PIN nao pode ver o estado do caso.
        = END
        """,
    )
    answers = replay(
        bundle, ["1", "3", "4", "2", "5", "14", "11", "6", "3", "2", "1", "1", "1"]
    ).effects[0]
    assert isinstance(answers, SubmitCase)
    assert "description" not in answers.answers
    assert "pin" not in answers.answers
    assert answers.answers["who"] == "stranger"


def test_cancelling_at_confirm_sends_nothing_and_ends(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 4
        > 1
        > 2
        > 2
        > 1
        > 1
        > 1
        > 1
        > 1
        > 1
        > 1
        < Enviar agora?
        > 2
        ! none
        < Cancelado.
        = END
        """,
    )


def test_every_incident_subtype_can_be_chosen(bundle: Bundle) -> None:
    from flows.envelope import GBV_TYPES

    chosen = set()
    groups = bundle.screens["report.what"].options
    for group_number, group in enumerate(groups, start=1):
        screen = bundle.screens[group.next or ""]
        for number in range(1, len(screen.options) + 1):
            result = replay(bundle, ["1", str(group_number), str(number), "2"])
            assert result.screen.key == "report.when"
            chosen.add(result.state.answers["what"])
    assert chosen == set(GBV_TYPES)


def test_an_overlong_description_is_refused_with_a_short_hint(bundle: Bundle) -> None:
    inputs = ["1", "1", "1", "2", "1", "1", "1", "1", "1", "2"]
    before = replay(bundle, inputs)
    assert before.screen.key == "report.description"
    from flows import render_ussd, step

    result = step(bundle, before.state, "x" * 141)
    assert result.screen.key == "report.description"
    assert render_ussd(bundle, "pt", result.screen).startswith("Ate 140 letras")


def test_the_report_flow_walks_the_same_way_in_english(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 5
        < Choose the language
        > 2
        < Main menu
        < 1. Tell what happened
        > 1
        < What happened?
        > 1
        < 3. Someone tried to force sex
        > 3
        < Are you in danger now?
        > 1
        ! SubmitCase(report, urgent)
        < When was it?
        > 2
        < Who did it?
        > 3
        < Which province?
        > 98
        > 10
        < What support do you want?
        > 4
        < May we contact this number?
        > 2
        < May the case go to the police?
        > 1
        < Anything to add?
        > 1
        < Choose a 4-digit PIN
        > 12
        < The PIN has 4 digits.
        > 4321
        < Send now?
        > 1
        ! SubmitCase(report, final)
        < Received. Your code: {code}.
        = END
        """,
    )


def test_a_transcript_that_expects_the_wrong_screen_fails_loudly(bundle: Bundle) -> None:
    with pytest.raises(TranscriptMismatch, match="expected 'Nada disto'"):
        run_transcript(bundle, "> (dial)\n< Nada disto")
