"""Golden-transcript harness: flow tests that read like the conversation on the phone.

Lines of a script:
    > (dial)        start a session (language from the call, "pt" by default)
    > (resume)      offer to resume the session so far, as the shell does after a cut-off
    > 1             type an input
    < Menu          the rendered screen contains this text
    <! Menu         the rendered screen does not contain this text
    = END / = CON   the screen ends the session, or waits for input
    ! QuickExit     the last hop had this effect: QuickExit, CheckCase, SubmitCase(report, urgent)
    ! none          the last hop had no effect
Blank lines and lines starting with # are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.engine import offer_resume, start, step
from flows.model import Bundle, CheckCase, Effect, QuickExit, Step, SubmitCase
from flows.render import USSD_LIMIT, render_ussd


class TranscriptMismatch(AssertionError):
    """The conversation went differently from the script."""


@dataclass(frozen=True)
class Hop:
    """One input and what came back."""

    entry: str
    step: Step
    text: str


def effect_name(effect: Effect) -> str:
    """Return a short, content-free name for an effect."""
    if isinstance(effect, SubmitCase):
        return f"SubmitCase({effect.kind}, {effect.stage})"
    if isinstance(effect, CheckCase):
        return "CheckCase"
    if isinstance(effect, QuickExit):
        return "QuickExit"
    raise TypeError(f"not an effect: {type(effect).__name__}")


def run_transcript(bundle: Bundle, script: str, lang: str = "pt") -> list[Hop]:
    """Play a script against the engine and check every expectation; return the hops."""
    hops: list[Hop] = []
    for number, raw in enumerate(script.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("> "):
            hops.append(_play(bundle, line[2:].strip(), hops, lang))
            _check_ussd(hops[-1], number)
            continue
        if not hops:
            raise TranscriptMismatch(f"line {number}: expectation before any input")
        _expect(hops[-1], line, number)
    return hops


def _play(bundle: Bundle, entry: str, hops: list[Hop], lang: str) -> Hop:
    if entry == "(dial)":
        result = start(bundle, lang)
    elif not hops:
        raise TranscriptMismatch("the first input of a transcript must be (dial)")
    elif entry == "(resume)":
        result = offer_resume(bundle, hops[-1].step.state)
    else:
        result = step(bundle, hops[-1].step.state, entry)
    return Hop(entry, result, render_ussd(bundle, result.state.lang, result.screen))


def _check_ussd(hop: Hop, number: int) -> None:
    if not hop.text.isascii() or len(hop.text) > USSD_LIMIT:
        raise TranscriptMismatch(f"line {number}: screen is not ASCII within 160:\n{hop.text}")


def _expect(hop: Hop, line: str, number: int) -> None:
    shown = f"line {number}: after > {hop.entry}\n--- screen ---\n{hop.text}\n---"
    effects = [effect_name(effect) for effect in hop.step.effects]
    if line.startswith("<! "):
        if line[3:] in hop.text:
            raise TranscriptMismatch(f"{shown}\nunexpected {line[3:]!r}")
    elif line.startswith("< "):
        if line[2:] not in hop.text:
            raise TranscriptMismatch(f"{shown}\nexpected {line[2:]!r}")
    elif line in ("= END", "= CON"):
        if hop.step.screen.ends != (line == "= END"):
            raise TranscriptMismatch(f"{shown}\nexpected {line[2:]}")
    elif line == "! none":
        if effects:
            raise TranscriptMismatch(f"{shown}\nexpected no effects, got {effects}")
    elif line.startswith("! "):
        if line[2:] not in effects:
            raise TranscriptMismatch(f"{shown}\nexpected effect {line[2:]!r}, got {effects}")
    else:
        raise TranscriptMismatch(f"line {number}: cannot read {line!r}")
