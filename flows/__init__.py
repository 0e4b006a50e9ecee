"""The pure core: flows as data, one step per hop; standard library only, no I/O, clock or dice."""

from flows.engine import offer_resume, replay, start, step, system_screen
from flows.errors import FlowError
from flows.loader import load_bundle
from flows.model import (
    Bundle,
    CheckCase,
    Effect,
    QuickExit,
    Screen,
    State,
    Step,
    SubmitCase,
)
from flows.render import render_ussd

__all__ = [
    "Bundle",
    "CheckCase",
    "Effect",
    "FlowError",
    "QuickExit",
    "Screen",
    "State",
    "Step",
    "SubmitCase",
    "load_bundle",
    "offer_resume",
    "render_ussd",
    "replay",
    "start",
    "step",
    "system_screen",
]
