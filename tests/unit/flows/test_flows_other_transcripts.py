"""Golden transcripts of help, case checks, rights, language, navigation, misses and resuming."""

from __future__ import annotations

import pytest

from flows import Bundle, CheckCase, QuickExit, SubmitCase, offer_resume, replay, step
from flows.case_code import make_code
from flows.loader import build_bundle, read_packaged_data
from flows.transcript import run_transcript

GOOD_CODE = make_code("12345678")
HELP_TYPES = ["callback", "pep", "psychosocial", "legal", "police"]


@pytest.mark.parametrize("lang", ["pt", "en"])
@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_each_kind_of_help_is_sent_after_province_and_pin_in_both_languages(
    bundle: Bundle, lang: str, number: int
) -> None:
    switch = ["5", "2"] if lang == "en" else []
    contact = [] if number == 1 else ["2"]
    result = replay(bundle, [*switch, "2", str(number), *contact, "3", "1"])
    assert result.screen.key == "help.done"
    assert result.screen.ends
    assert result.effects == (
        SubmitCase(
            kind="help",
            stage="final",
            answers={"help": HELP_TYPES[number - 1], "contact": "call", "province": "gaza"},
        ),
    )


def test_asking_for_a_callback_skips_the_contact_question(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 2
        < Que apoio precisa?
        < 1. Que nos liguem
        > 1
        < Provincia?
        > 0
        < Que apoio precisa?
        < 2. Cuidados de saude urgentes
        > 2
        < Podemos contactar este numero?
        > 1
        < Provincia?
        < 11. Niassa
        > 9
        < PIN de 4 numeros
        > 2580
        ! SubmitCase(help, final)
        < Pedido recebido. O seu codigo: {code}.
        <! Sem PIN
        = END
        """,
    )
    result = replay(bundle, ["2", "1", "0", "2", "1", "9", "2580"])
    submit = result.effects[0]
    assert isinstance(submit, SubmitCase)
    assert submit.answers == {"help": "pep", "contact": "sms", "province": "nampula", "pin": "2580"}


def test_checking_a_case_asks_code_then_pin_and_hands_the_lookup_to_the_shell(
    bundle: Bundle,
) -> None:
    run_transcript(
        bundle,
        f"""
        > (dial)
        > 3
        < Escreva o codigo do caso
        > 123456780
        < Verifique o codigo.
        = CON
        > {GOOD_CODE[:3]} {GOOD_CODE[3:6]}-{GOOD_CODE[6:]}
        < Escreva o PIN
        > 12345
        < O PIN tem 4 numeros.
        > 1234
        ! CheckCase
        = END
        < Nao foi possivel ver esse caso.
        """,
    )
    result = replay(bundle, ["3", GOOD_CODE, "1234"])
    assert result.effects == (CheckCase(code=GOOD_CODE, pin="1234"),)
    assert result.screen.key == "status.unknown"
    assert result.state.answers == {}


def test_checking_a_case_in_english(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        f"""
        > (dial)
        > 5
        > 2
        > 3
        < Type the case code (9 digits).
        > 12345678
        < Check the code.
        > {GOOD_CODE}
        < Type the PIN (4 digits).
        > 0000
        ! CheckCase
        < Could not show that case.
        """,
    )


@pytest.mark.parametrize("lang", ["pt", "en"])
@pytest.mark.parametrize("topic", [1, 2, 3, 4])
def test_every_rights_page_can_be_read_to_the_end_in_both_languages(
    bundle: Bundle, lang: str, topic: int
) -> None:
    result = replay(bundle, ["4", str(topic)], lang=lang)
    assert result.screen.key.startswith("rights.")
    pages = 1
    while result.screen.controls[0][0] == "98":
        result = step(bundle, result.state, "98")
        pages += 1
    assert pages > 1, "rights pages are long enough to page"
    result = step(bundle, result.state, "1")
    assert result.screen.key == "rights.end"
    assert result.screen.ends


def test_a_rights_page_can_be_paged_back_and_left_for_another_topic(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 4
        < Os seus direitos:
        < 1. Saude, remedio urgente
        > 1
        < Tem direito a atendimento de saude sem queixa
        < 98. Mais
        > 98
        < Apos relacoes forcadas
        > 0
        < Tem direito a atendimento de saude sem queixa
        > 0
        < Os seus direitos:
        > 2
        < Se for detida ou detido
        > 1
        < Nao valido.
        """,
    )


def test_the_language_can_be_switched_both_ways_from_the_main_menu(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        < Menu principal
        < 5. Lingua/Language
        > 5
        < Escolha a lingua / Choose the language
        > 2
        < Main menu
        < 99. Exit
        > 5
        > 1
        < Menu principal
        """,
    )


def test_back_returns_to_the_previous_question_and_forgets_its_answer(bundle: Bundle) -> None:
    result = replay(bundle, ["1", "3", "1", "2", "0"])
    assert result.screen.key == "report.danger"
    assert result.state.answers == {"what": "beating"}
    result = step(bundle, result.state, "0")
    assert result.screen.key == "report.what_exactly"
    assert result.state.answers == {}


def test_back_on_a_later_page_goes_to_the_previous_page_first() -> None:
    flows_data, texts_data = read_packaged_data()
    # Labels long enough that the "what else" list needs a second page.
    for lang in texts_data.values():
        texts = lang["texts"]
        assert isinstance(texts, dict)
        for key in ("what.attempted_rape", "what.touching", "what.complaint_refused"):
            texts[key] = texts[key] + " " + "x" * 30
    paged = build_bundle(flows_data, texts_data)
    run_transcript(
        paged,
        """
        > (dial)
        > 1
        > 7
        < 98. Mais
        <! 6.
        > 98
        < 6. Nada disto
        > 0
        < 1. Tentaram forcar relacoes
        > 0
        < O que houve?
        > 0
        < Menu principal
        > 0
        < Menu principal
        = CON
        ! none
        """,
    )


def test_double_zero_returns_to_the_main_menu_and_drops_the_answers(bundle: Bundle) -> None:
    result = replay(bundle, ["1", "3", "1", "2", "00"])
    assert result.screen.key == "main.title"
    assert result.state.answers == {}
    assert result.state.stack == ("main",)


@pytest.mark.parametrize(
    "inputs",
    [[], ["1"], ["1", "2", "1"], ["1", "1", "1", "1"], ["2", "2"], ["3"], ["4", "1"], ["5"]],
)
def test_ninety_nine_quits_at_once_with_a_neutral_screen_from_anywhere(
    bundle: Bundle, inputs: list[str]
) -> None:
    result = step(bundle, replay(bundle, inputs).state, "99")
    assert result.screen.key == "sys.goodbye"
    assert result.screen.ends
    assert result.effects == (QuickExit(),)
    assert result.state.answers == {}
    assert result.state.ended


def test_quick_exit_shows_only_thanks(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 1
        > 99
        = END
        ! QuickExit
        < Obrigado.
        <! Menu
        """,
    )


def test_three_misses_in_a_session_end_it_politely(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 7
        < Nao valido.
        < Menu principal
        = CON
        > 1
        > 42
        < Nao valido.
        < 1. Relacoes forcadas
        > abc
        = END
        < Vamos parar por agora.
        """,
    )


def test_a_cut_off_session_can_be_continued_where_it_was(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 1
        > 3
        > 1
        > (resume)
        < Tem uma sessao por acabar.
        < 1. Continuar
        < 2. Comecar de novo
        <! Esta em perigo
        > 1
        < Esta em perigo agora?
        > 2
        < Quem fez isto?
        """,
    )
    saved = replay(bundle, ["1", "3", "1"]).state
    resumed = step(bundle, offer_resume(bundle, saved).state, "1")
    assert resumed.state == saved


def test_a_cut_off_session_can_be_started_again_from_the_main_menu(bundle: Bundle) -> None:
    run_transcript(
        bundle,
        """
        > (dial)
        > 5
        > 2
        > 2
        > 2
        > (resume)
        < You have an unfinished session.
        > 9
        < Not valid.
        > 2
        < Main menu
        """,
    )
    saved = replay(bundle, ["2", "2", "1"]).state
    restarted = step(bundle, offer_resume(bundle, saved).state, "2")
    assert restarted.state.answers == {}
    assert restarted.state.stack == ("main",)


def test_the_resume_prompt_reveals_nothing_typed(bundle: Bundle) -> None:
    from flows import render_ussd

    saved = replay(bundle, ["1", "1", "2", "1", "5", "1", "1", "2", "segredo"]).state
    assert saved.answers["description"] == "segredo"
    prompt = offer_resume(bundle, saved)
    text = render_ussd(bundle, saved.lang, prompt.screen)
    assert "segredo" not in text
    assert prompt.screen.key == "sys.resume"


@pytest.mark.parametrize(
    ("inputs", "flow"),
    [([], "main"), (["1", "1"], "report"), (["2"], "help"), (["3"], "case"), (["4"], "rights")],
)
def test_the_state_names_the_flow_so_the_shell_knows_what_is_worth_resuming(
    bundle: Bundle, inputs: list[str], flow: str
) -> None:
    assert replay(bundle, inputs).state.flow == flow
