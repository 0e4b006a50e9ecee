"""Virtual reporters who keep trying: they redial after a cut, resume where they can."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from sqlalchemy import select

from crypto import KeyStore, SecretHasher
from service.storage.models import Case
from tests.support.backends import RunningService
from tests.support.journeys import CODE, finish_answers, report_answers
from tests.support.phone import Phone


@dataclass
class Outcome:
    """What one reporter saw: the codes confirmed to them and every reply status."""

    codes: list[str] = field(default_factory=list)
    bad_replies: list[str] = field(default_factory=list)  # a non-200, or no CON/END screen
    gave_up: bool = False


def persistent_reporter(
    base_url: str, number: str, token: str | None, attempts: int = 12, pause: float = 0.0
) -> Outcome:
    """File one report, redialling after cut-offs and resuming where the service offers it."""
    outcome = Outcome()
    phone = Phone(base_url, number, token, busy_ok=True)  # they meet outages and try again
    answers = [*report_answers(danger=False), *finish_answers(f"fault {number[-4:]}")]
    seen: dict[str, int] = {}  # screen text -> how many answers had been given to reach it
    for _ in range(attempts):
        try:
            screen = phone.dial()
            given = 0
            if "Continuar" in screen:
                screen = phone.send("1")
                given = seen.get(screen, -1)
                if given < 0:  # not a screen we know: start again
                    phone.dial()
                    screen = phone.send("2")
                    given = 0
            seen.setdefault(screen, given)
            while not phone.ended and given < len(answers):
                time.sleep(pause)  # a person reads the screen before answering
                screen = phone.send(answers[given])
                given += 1
                if not phone.ended:
                    seen.setdefault(screen, given)
            found = CODE.search(screen)
            if phone.ended and found and given == len(answers):
                outcome.codes.append(found.group(1))
                return outcome
        except (AssertionError, requests.RequestException) as error:
            outcome.bad_replies.append(str(error)[:200])
        time.sleep(0.3)
    outcome.gave_up = True
    return outcome


def run_reporters(count: int, make: Callable[[int], Outcome]) -> list[Outcome]:
    """Run `count` reporters at once on threads; return their outcomes in order."""
    outcomes: list[Outcome | None] = [None] * count

    def run(index: int) -> None:
        outcomes[index] = make(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [o if o is not None else Outcome(gave_up=True) for o in outcomes]


def assert_every_reporter_was_confirmed_and_stored(
    service: RunningService, outcomes: list[Outcome], expected: int
) -> None:
    """No bad reply, nobody gave up, and every code shown to a reporter is a committed case."""
    assert [o.bad_replies for o in outcomes if o.bad_replies] == []
    assert [o for o in outcomes if o.gave_up] == []
    codes = [code for o in outcomes for code in o.codes]
    assert len(codes) == expected
    hasher = SecretHasher(KeyStore(service.settings.keys_dir).code_key())
    with service.container.sessions() as db:
        stored = set(db.scalars(select(Case.code_digest)))
    assert {hasher.code_digest(code) for code in codes} <= stored
