"""The context rq's jobs run on in this process: installed by whoever built it, never built here."""

from __future__ import annotations

import threading

from service.casework.context import CaseworkContext


class NoWorkerContext(RuntimeError):
    """A job ran in a process that never installed a worker context."""


_current: CaseworkContext | None = None
_guard = threading.Lock()


def install(context: CaseworkContext | None) -> None:
    """Make `context` the one jobs use in this process (`handsoff worker`, the embedded default)."""
    global _current
    with _guard:
        _current = context


def current() -> CaseworkContext:
    """The installed context; a job run anywhere else fails loudly rather than guessing."""
    with _guard:
        if _current is None:
            raise NoWorkerContext(
                "no worker context installed: run jobs with `handsoff worker`, "
                "which builds one from the environment"
            )
        return _current
