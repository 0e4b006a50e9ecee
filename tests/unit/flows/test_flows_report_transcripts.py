"""Golden transcripts of the report flow, read like the conversation on the phone."""

from __future__ import annotations

import pytest

from flows import Bundle, SubmitCase, render_ussd, replay, step
from flows.transcript import TranscriptMismatch, run_transcript

# report, forced sex, not in danger (today), client, Sofala, health care, SMS, a few words, PIN
FULL_REPORT_INPUTS = ["1", "1", "2", "1", "5", "1", "1", "2", "Ele recusou", "1234"]


def test_a_complete_report_takes_ten_answers_in_portuguese(bundle: Bundle) -> None:
    hops = run_transcript(
        bundle,
        """
        > (dial)
        < Menu principal
        < 1. Contar o que aconteceu
        < 99. Sair
        = CON
        > 1
        < O que houve?
        < 1. Relacoes forcadas
        < 2. Sem preservativo combinado
        < 7. Outra coisa
        <! 98.
        > 1
        < Esta em perigo agora?
        < 1. Sim
        < 2. Nao. Foi hoje
        < 00. Menu
        > 2
        ! none
        < Quem fez isto?
        < 1. Cliente
        < 8. Outra pessoa
        > 1
        < Provincia?
        < 12. Nao sei
        > 5
        < Que apoio quer?
        > 1
        < Podemos contactar este numero?
        > 1
        < Pronto para enviar.
        < 1. Enviar agora
        < 2. Juntar umas palavras
        < 3. Juntar um PIN
        < 4. Cancelar
        > 2
        < Umas palavras, ate 140 letras
        < A rede pode ver o que escreve.
        > Ele recusou
        < PIN de 4 numeros
        < 1 envia sem PIN
        <! Ele recusou
        > 1234
        = END
        ! SubmitCase(report, final)
        < O seu codigo: {code}
        <! Sem PIN
        <! 1234
        """,
    )
    assert len(hops) - 1 == 10


def test_a_minimal_report_takes_eight_answers_in_english(bundle: Bundle) -> None:
    hops = run_transcript(
        bundle,
        """
        > (dial)
        > 1
        < What happened?
        < 2. Sex without agreed condom
        > 2
        < Are you in danger now?
        < 6. No. Earlier
        > 6
        ! none
        < Who did it?
        > 7
        < Province?
        < 12. Don't know
        > 12
        < What support do you want?
        > 6
        < May we contact this number?
        > 3
        < Ready to send.
        > 1
        = END
        ! SubmitCase(report, final)
        < Received. Your code: {code}.
        < Without a PIN you cannot check the case.
        """,
        lang="en",
    )
    assert len(hops) - 1 == 8
    sent = hops[-1].step.effects[0]
    assert isinstance(sent, SubmitCase)
    assert sent.answers == {
        "what": "condom_refused",
        "danger": "no",
        "when": "earlier",
        "who": "stranger",
        "province": "unknown",
        "help": "none",
        "contact": "none",
    }


def test_the_final_submit_carries_every_answer_as_codes(bundle: Bundle) -> None:
    result = replay(bundle, FULL_REPORT_INPUTS)
    assert result.screen.key == "report.done"
    assert result.effects == (
        SubmitCase(
            kind="report",
            stage="final",
            answers={
                "what": "rape",
                "danger": "no",
                "when": "today",
                "who": "client",
                "province": "sofala",
                "help": "health",
                "contact": "sms",
                "description": "Ele recusou",
                "pin": "1234",
            },
        ),
    )


def test_the_code_appears_as_digits_once_the_shell_fills_it(bundle: Bundle) -> None:
    result = replay(bundle, FULL_REPORT_INPUTS)
    text = render_ussd(bundle, "pt", result.screen.with_params(code="123456789"))
    assert "123456789" in text
    assert len(text) <= 160


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_the_police_are_asked_about_only_when_police_did_it_or_police_help_is_wanted(
    bundle: Bundle, lang: str
) -> None:
    # report, arrest or raid, today; then who, Sofala, help
    def screen_after_help(who: str, help_number: str) -> str:
        return replay(bundle, ["1", "6", "2", who, "5", help_number], lang).state.screen_id

    assert screen_after_help("1", "1") == "report.contact"  # client, health care
    assert screen_after_help("3", "1") == "report.police"  # police on duty
    assert screen_after_help("4", "1") == "report.police"  # police off duty
    assert screen_after_help("5", "1") == "report.police"  # soldier or other force
    assert screen_after_help("1", "4") == "report.police"  # client, police complaint


def test_a_police_perpetrator_without_consent_is_sent_with_police_ok_no(bundle: Bundle) -> None:
    hops = run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 6
        > 2
        > 3
        > 5
        > 1
        < O caso pode ir a policia? So com o seu sim.
        > 2
        < Podemos contactar
        > 2
        > 1
        ! SubmitCase(report, final)
        """,
    )
    sent = hops[-1].step.effects[0]
    assert isinstance(sent, SubmitCase)
    assert sent.answers["who"] == "police_on_duty"
    assert sent.answers["police_ok"] == "no"


def test_in_danger_the_case_is_committed_then_contact_and_province_then_help_is_alerted(
    bundle: Bundle,
) -> None:
    hops = run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 1
        < Esta em perigo agora?
        > 1
        ! SubmitCase(report, urgent)
        = CON
        < Podemos contactar este numero?
        > 2
        ! none
        < Provincia?
        < 12. Nao sei
        > 12
        ! SubmitCase(report, alert)
        < Estamos a avisar quem pode ajudar.
        < Socorro: 119 ou 117.
        < 1. Continuar
        > 1
        < Quando foi?
        > 2
        < Quem fez isto?
        > 1
        < Que apoio quer?
        > 2
        < Pronto para enviar.
        <! Podemos contactar
        > 1
        ! SubmitCase(report, final)
        < O seu codigo: {code}
        """,
    )
    urgent = hops[3].step.effects[0]
    assert isinstance(urgent, SubmitCase)
    assert urgent.answers == {"what": "rape", "danger": "yes"}
    alert = hops[5].step.effects[0]
    assert isinstance(alert, SubmitCase)
    located = {"what": "rape", "danger": "yes", "contact": "call", "province": "unknown"}
    assert alert.answers == located


def test_cancel_after_the_alert_says_it_has_gone_and_gives_the_code_in_english(
    bundle: Bundle,
) -> None:
    hops = run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 3
        > 1
        > 1
        ! SubmitCase(report, urgent)
        > 1
        > 5
        ! SubmitCase(report, alert)
        < We are alerting people who can help.
        < Emergency now: 119 or 117.
        > 1
        < When was it?
        > 1
        > 2
        > 1
        < Ready to send.
        > 4
        = END
        ! SubmitCase(report, final)
        < The alert has already gone
        < Your code: {code}.
        <! ancel
        """,
        lang="en",
    )
    kept = hops[-1].step.effects[0]
    assert isinstance(kept, SubmitCase)
    # Only what the alert carried: the answers given after it were cancelled.
    located = {"what": "beating", "danger": "yes", "contact": "sms", "province": "sofala"}
    assert kept.answers == located


def test_cancel_when_not_in_danger_sends_nothing_and_ends(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 6
        > 3
        > 1
        > 1
        > 1
        > 1
        < Pronto para enviar.
        > 4
        ! none
        < Cancelado.
        = END
        """,
    )


def test_a_pin_alone_sends_the_report_and_a_bad_pin_is_asked_again(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 2
        > 2
        > 1
        > 5
        > 1
        > 1
        > 3
        < Choose a 4-digit PIN
        < typing it sends the report.
        > 12
        < The PIN has 4 digits.
        ! none
        > 4321
        ! SubmitCase(report, final)
        < Received. Your code: {code}.
        <! Without a PIN
        = END
        """,
        lang="en",
    )


def test_every_incident_subtype_can_be_chosen(bundle: Bundle) -> None:
    from flows.envelope import GBV_TYPES

    chosen = set()

    def walk(screen_id: str, inputs: list[str]) -> None:
        for number, option in enumerate(bundle.screens[screen_id].options, start=1):
            if option.next and option.next.startswith("report.what"):
                walk(option.next, [*inputs, str(number)])
                continue
            result = replay(bundle, [*inputs, str(number)])
            assert result.screen.key == "report.danger"
            chosen.add(result.state.answers["what"])

    walk("report.what", ["1"])
    assert chosen == set(GBV_TYPES)


def test_an_overlong_description_is_refused_with_a_short_hint(bundle: Bundle) -> None:
    before = replay(bundle, FULL_REPORT_INPUTS[:8])
    assert before.screen.key == "report.description"
    result = step(bundle, before.state, "x" * 141)
    assert result.screen.key == "report.description"
    assert render_ussd(bundle, "pt", result.screen).startswith("Ate 140 letras")


def test_back_from_the_description_returns_to_the_send_menu(bundle: Bundle) -> None:
    before = replay(bundle, FULL_REPORT_INPUTS[:8])
    back = step(bundle, before.state, "0")
    assert back.state.screen_id == "report.finish"
    assert step(bundle, back.state, "1").screen.key == "report.done"


def test_a_transcript_that_expects_the_wrong_screen_fails_loudly(bundle: Bundle) -> None:
    with pytest.raises(TranscriptMismatch, match="expected 'Nada disto'"):
        run_transcript(bundle, "> (dial)\n< Nada disto")
