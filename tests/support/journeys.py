"""USSD journeys as a reporter types them, menu number by menu number."""

from __future__ import annotations

import re

from tests.support.phone import Phone

CODE = re.compile(r"\b(\d{9})\b")
SKIP = "1"  # The optional screens take 1 to skip.

# Menu numbers, as shown on the screens (option numbers run on across pages).
MAIN = {"report": "1", "help": "2", "check": "3", "rights": "4", "language": "5"}
LANGUAGE = {"pt": "1", "en": "2"}
HELP_TYPES = {"callback": "1", "pep": "2", "psychosocial": "3", "legal": "4", "police": "5"}
CONTACT = {"sms": "1", "call": "2", "none": "3"}
YES, NO = "1", "2"
# "When was it?" as numbered on its own screen (in danger) and on the danger screen (not).
WHEN = {"today": "1", "yesterday": "2", "days_2_3": "3", "days_4_5": "4", "earlier": "5"}
NOT_IN_DANGER_WHEN = {
    "today": "2", "yesterday": "3", "days_2_3": "4", "days_4_5": "5", "earlier": "6"
}  # fmt: skip
EARLIER = "earlier"  # longer ago than five days: outside the PEP and contraception windows


def open_menu(phone: Phone, lang: str) -> str:
    """Dial and, for English, switch language from the main menu."""
    screen = phone.dial()
    if lang != "pt":
        phone.send(MAIN["language"])
        screen = phone.send(LANGUAGE[lang])
    return screen


# Who did it, as numbered on the first list; these three bring the police question.
POLICE_PERPETRATORS = frozenset({"3", "4", "5"})
CONTINUE = "1"  # past the "help is being alerted" screen
SEND, ADD_WORDS, ADD_PIN, CANCEL = "1", "2", "3", "4"


def report_answers(
    *,
    danger: bool = True,
    contact: str = "sms",
    police_ok: bool = False,
    province: str = "5",
    perpetrator: str = "1",
    when: str = "today",
) -> list[str]:
    """Inputs from the main menu to the send menu of a report (forced sex, health care).

    In danger, the case is committed on the third input and contact and province come next;
    otherwise "no: it was <when>" and the usual order. See docs/flows.md. Forced sex today is in
    the PEP window, which makes a case urgent by itself; `when=EARLIER` is not.
    """
    police = [YES if police_ok else NO] if perpetrator in POLICE_PERPETRATORS else []
    if danger:
        return [
            MAIN["report"], "1", YES, CONTACT[contact], province, CONTINUE,
            WHEN[when],
            perpetrator,
            "1",  # help: health care
            *police,
        ]  # fmt: skip
    return [
        MAIN["report"], "1",
        NOT_IN_DANGER_WHEN[when],
        perpetrator, province,
        "1",  # help: health care
        *police, CONTACT[contact],
    ]  # fmt: skip


def finish_answers(description: str | None = "marker", pin: str | None = "2468") -> list[str]:
    """What to type at the send menu: a few words then the PIN (or 1), a PIN alone, or send."""
    if description is not None:
        return [ADD_WORDS, description, pin if pin is not None else SKIP]
    if pin is not None:
        return [ADD_PIN, pin]
    return [SEND]


def file_report(
    phone: Phone,
    lang: str = "pt",
    *,
    description: str | None = "marker",
    pin: str | None = "2468",
    **answers: object,
) -> str:
    """Walk a whole report and send it; return the case code shown on the last screen."""
    open_menu(phone, lang)
    for answer in report_answers(**answers):  # type: ignore[arg-type]
        phone.send(answer)
    for answer in finish_answers(description, pin):
        final = phone.send(answer)
    assert phone.ended, final
    return code_on(final)


def ask_for_help(
    phone: Phone, help_type: str, lang: str = "pt", contact: str = "sms", pin: str | None = "1357"
) -> str:
    """Walk the help request; callback implies a call and skips the contact question."""
    open_menu(phone, lang)
    phone.send(MAIN["help"])
    phone.send(HELP_TYPES[help_type])
    if help_type != "callback":
        phone.send(CONTACT[contact])
    phone.send("5")  # Sofala
    final = phone.send(pin if pin is not None else SKIP)
    assert phone.ended, final
    return code_on(final)


def check_case(phone: Phone, code: str, pin: str, lang: str = "pt") -> str:
    open_menu(phone, lang)
    phone.send(MAIN["check"])
    phone.send(code)
    screen = phone.send(pin)
    assert phone.ended, screen
    return screen


def code_on(screen: str) -> str:
    found = CODE.search(screen)
    assert found, f"no case code on {screen!r}"
    return found.group(1)
