"""Every USSD journey, over HTTP, in both languages, on both backends."""

from __future__ import annotations

import threading

import pytest

from flows.case_code import make_code
from tests.support.backends import RunningService
from tests.support.journeys import (
    CANCEL,
    EARLIER,
    HELP_TYPES,
    MAIN,
    ask_for_help,
    check_case,
    file_report,
    open_menu,
    report_answers,
)
from tests.support.phone import system_text

LANGS = ["pt", "en"]
RECEIVED = {"pt": "Recebido", "en": "Received"}
STATUS_RECEIVED = {"pt": "recebido", "en": "received"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_full_report_is_committed_sealed_and_answered_with_a_code(
    service: RunningService, lang: str
) -> None:
    phone = service.phone("+258841110001")
    code = file_report(phone, lang, description="Aconteceu no bar", pin="2468")

    assert RECEIVED[lang] in phone.screen
    [case] = service.cases()
    assert (case.kind, case.stage, case.status, case.lang) == ("report", "final", "received", lang)
    assert (case.subtype, case.gbv_type, case.province) == ("rape", "Rape", "sofala")
    assert case.urgent and case.pep_window and not case.police_perpetrator
    assert case.contact == "sms" and case.help == "health" and not case.police_ok
    content = service.open_content(case)
    assert content["code"] == code
    assert content["answers"] == {
        "what": "rape",
        "danger": "yes",
        "when": "today",
        "who": "client",
        "province": "sofala",
        "help": "health",
        "contact": "sms",
        "description": "Aconteceu no bar",
    }
    assert service.open_contact(case) == "+258841110001"
    # The web seals the PIN for the worker, which writes the digest (tests/e2e/test_status_pending).
    service.stretch_pins()
    [case] = service.cases()
    assert case.pin_sealed is None
    assert case.pin_digest is not None and "2468" not in case.pin_digest


def test_saying_you_are_in_danger_makes_a_case_urgent_outside_the_pep_window(
    service: RunningService,
) -> None:
    file_report(service.phone("+258841110041"), danger=True, when=EARLIER)

    [case] = service.cases()
    assert (case.urgent, case.pep_window) == (True, False)  # from the danger answer alone


@pytest.mark.parametrize("lang", LANGS)
def test_a_report_without_danger_description_pin_or_contact_still_goes_through(
    service: RunningService, lang: str
) -> None:
    phone = service.phone("+258851110002")
    file_report(phone, lang, danger=False, contact="none", description=None, pin=None, when=EARLIER)

    [case] = service.cases()
    # Neither in danger nor within the PEP window: nothing makes this case urgent.
    assert (case.urgent, case.pep_window) == (False, False)
    assert case.contact_sealed is None and case.contact_digest is None
    assert case.pin_digest is None
    assert "description" not in service.open_content(case)["answers"]  # type: ignore[operator]


def test_a_new_case_is_written_whole_with_the_job_that_assigns_it(service: RunningService) -> None:
    # The case and its outbox row are written by statements built once (one on PostgreSQL):
    # every column the model defaults must still hold its default, never NULL. With rq the
    # web leaves the row waiting for the worker's relay.
    file_report(
        service.phone("+258851110012"), danger=False, contact="none", pin=None, when=EARLIER
    )

    [case] = service.cases()
    assert (case.status, case.sms_opt_out, case.police_perpetrator) == ("received", False, False)
    assert (case.urgent, case.pep_window, case.child_protection) == (False, False, False)
    assert case.updated_at == case.created_at.replace(minute=0, second=0, microsecond=0)
    assert case.code_digest and len(case.ref) == 32
    [job] = service.outbox()
    assert (job.job, job.case_id) == ("assign_case", case.id) and job.attempts <= 1
    assert job.created_at == case.created_at
    if service.settings.embedded:
        assert job.enqueued_at == job.created_at  # the in-process queue took it at once
    else:
        assert job.enqueued_at is None  # left waiting for the worker's relay: no queue work here
        assert service.container.dispatcher.relay_waiting() == 1
        assert service.container.dispatcher.relay_waiting() == 0  # nothing is left waiting


def test_saying_you_are_in_danger_commits_an_urgent_case_at_once(service: RunningService) -> None:
    phone = service.phone("+258861110003")
    open_menu(phone, "pt")
    for answer in report_answers()[:3]:  # up to "in danger now: yes"
        phone.send(answer)
    # The session drops here; the urgent case already exists.
    [case] = service.cases()
    assert (case.stage, case.urgent, case.subtype) == ("urgent", True, "rape")


def test_finishing_after_danger_completes_the_same_case(service: RunningService) -> None:
    file_report(service.phone("+258861110004"))
    [case] = service.cases()
    assert case.stage == "final"


@pytest.mark.parametrize("lang", LANGS)
def test_cancelling_at_the_confirm_screen_stores_nothing(
    service: RunningService, lang: str
) -> None:
    phone = service.phone("+258871110005")
    open_menu(phone, lang)
    for answer in report_answers(danger=False):
        phone.send(answer)
    screen = phone.send(CANCEL)
    assert phone.ended and screen == system_text("report.cancelled", lang)
    assert service.cases() == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("help_type", list(HELP_TYPES))
def test_every_kind_of_help_request_is_committed(
    service: RunningService, lang: str, help_type: str
) -> None:
    phone = service.phone("+258821110006")
    code = ask_for_help(phone, help_type, lang)

    [case] = service.cases()
    assert (case.kind, case.help, case.province, case.stage) == (
        "help",
        help_type,
        "sofala",
        "final",
    )
    assert case.contact == ("call" if help_type == "callback" else "sms")
    assert case.urgent == (help_type == "pep")
    assert service.open_content(case)["code"] == code


@pytest.mark.parametrize("lang", LANGS)
def test_checking_a_case_with_code_and_pin_gives_a_neutral_word(
    service: RunningService, lang: str
) -> None:
    code = file_report(service.phone("+258841110007"), lang, pin="8642")
    service.stretch_pins()  # the worker, after the report
    screen = check_case(service.phone("+258841110008"), code, "8642", lang)
    assert STATUS_RECEIVED[lang] in screen.lower()


def test_every_wrong_guess_gets_the_same_answer_and_five_lock_the_code(
    service: RunningService,
) -> None:
    code = file_report(service.phone("+258841110009"), pin="8642")
    service.stretch_pins()  # the worker, after the report
    unused_code = make_code("12345678")  # well-formed, with a right check digit, but no case
    wrong_pin = check_case(service.phone("+258821110011"), code, "0001")
    wrong_code = check_case(service.phone("+258821110012"), unused_code, "8642")
    no_pin_case = file_report(service.phone("+258841110013"), pin=None)
    no_pin = check_case(service.phone("+258821110014"), no_pin_case, "1234")
    assert wrong_pin == wrong_code == no_pin

    for attempt in range(5):
        check_case(service.phone(f"+25882222{attempt:04d}"), code, f"000{attempt}")
    locked = check_case(service.phone("+258822229999"), code, "8642")
    assert locked == wrong_pin


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", ["1", "2", "3", "4"])
def test_every_rights_page_can_be_read_to_its_end(
    service: RunningService, lang: str, topic: str
) -> None:
    phone = service.phone("+258841110015")
    open_menu(phone, lang)
    phone.send(MAIN["rights"])
    phone.send(topic)
    for _ in range(10):
        if phone.ended:
            break
        phone.send("1")
    assert phone.ended
    assert service.cases() == []


def test_quick_exit_ends_at_once_with_a_neutral_screen_and_keeps_nothing(
    service: RunningService,
) -> None:
    phone = service.phone("+258841110016")
    open_menu(phone, "pt")
    for answer in report_answers(danger=False)[:6]:
        phone.send(answer)
    screen = phone.send("99")
    assert phone.ended
    assert screen == "Obrigado."
    # No resume offer afterwards: the state is gone.
    assert "Continuar" not in phone.dial()
    assert service.cases() == []


def test_a_session_cut_off_mid_report_can_be_resumed_by_the_same_number(
    service: RunningService,
) -> None:
    phone = service.phone("+258841110017")
    open_menu(phone, "pt")
    answers = report_answers(danger=False)
    for answer in answers[:5]:
        phone.send(answer)
    where_it_stopped = phone.screen

    prompt = phone.dial()  # a new session from the same number
    assert "Continuar" in prompt
    assert "Sofala" not in prompt and "Cliente" not in prompt  # nothing typed is revealed
    assert phone.send("1") == where_it_stopped
    for answer in answers[5:]:
        phone.send(answer)
    phone.send("1")
    assert phone.ended and "Recebido" in phone.screen
    [case] = service.cases()
    assert case.province == "sofala"


def test_another_number_is_not_offered_someone_elses_session(service: RunningService) -> None:
    phone = service.phone("+258841110018")
    open_menu(phone, "pt")
    for answer in report_answers(danger=False)[:5]:
        phone.send(answer)
    stranger = service.phone("+258841110019")
    assert "Continuar" not in stranger.dial()


def test_a_repeated_callback_gets_the_same_screen_and_commits_once(
    service: RunningService,
) -> None:
    phone = service.phone("+258841110020")
    open_menu(phone, "pt")
    for answer in report_answers():
        phone.send(answer)
    final = phone.send("1")
    assert phone.repeat() == final
    assert len(service.cases()) == 1


def test_three_invalid_answers_end_the_session_politely(service: RunningService) -> None:
    phone = service.phone("+258841110021")
    phone.dial()
    phone.send("7")
    phone.send("x")
    screen = phone.send("42")
    assert phone.ended
    assert screen == system_text("sys.misses")


def test_going_back_and_to_the_main_menu_works_on_every_screen(service: RunningService) -> None:
    phone = service.phone("+258841110022")
    main = open_menu(phone, "pt")
    first = phone.send(MAIN["report"])
    phone.send("1")
    assert phone.send("0") == first
    phone.send("2")
    assert phone.send("00") == main


def test_a_burst_of_simultaneous_guesses_is_counted_in_full(service: RunningService) -> None:
    code = file_report(service.phone("+258841110030"), pin="8642")
    service.stretch_pins()  # the worker, after the report
    guesses = [
        threading.Thread(
            target=check_case, args=(service.phone(f"+25882333{i:04d}"), code, f"{i:04d}")
        )
        for i in range(10)
    ]
    for guess in guesses:
        guess.start()
    for guess in guesses:
        guess.join()
    # Ten misses at once, all counted: the right PIN now gets the refusal every guess gets.
    assert check_case(service.phone("+258823339999"), code, "8642") == system_text("status.unknown")


def test_a_reporter_checking_with_the_right_pin_is_never_locked_out(
    service: RunningService,
) -> None:
    code = file_report(service.phone("+258841110031"), pin="8642")
    service.stretch_pins()  # the worker, after the report
    phone = service.phone("+258841110032")
    for _ in range(service.settings.limits.status_misses_before_lock + 2):
        assert "recebido" in check_case(phone, code, "8642").lower()


def test_a_session_cut_off_after_the_urgent_commit_resumes_into_the_same_case(
    service: RunningService,
) -> None:
    phone = service.phone("+258841110040")
    open_menu(phone, "pt")
    for answer in report_answers()[:3]:  # up to "in danger now: yes": committed
        phone.send(answer)
    assert "Continuar" in phone.dial()  # cut off; a new session from the same number
    phone.send("1")  # continue
    phone.send("2")  # by call
    assert "Estamos a avisar" in phone.send("5")  # Sofala: alerted
    [case] = service.cases()
    assert (case.stage, case.province, case.contact) == ("urgent", "sofala", "call")


def test_starting_again_after_an_urgent_commit_files_a_new_case(service: RunningService) -> None:
    phone = service.phone("+258841110041")
    open_menu(phone, "pt")
    for answer in report_answers()[:3]:
        phone.send(answer)
    phone.dial()
    phone.send("2")  # start again
    for answer in [*report_answers(danger=False), "1"]:
        phone.send(answer)
    assert phone.ended and "Recebido" in phone.screen
    first, second = service.cases()
    assert (first.stage, first.province) == ("urgent", None)
    assert (second.stage, second.province, second.urgent) == ("final", "sofala", True)
