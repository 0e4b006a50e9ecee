"""Build the case file from a key store: for the desk's composition root (and the tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from crypto import (
    ContactSealer,
    KeyStore,
    ReportOpener,
    ReportSealer,
    SecretHasher,
    StateCipher,
    random_case_digits,
)
from service.desk.casefile.parts import CaseFileParts
from service.desk.casefile.service import CaseFiles
from service.intake.reports import Intake


def build_case_files(
    sessions: sessionmaker[Session],
    keys: KeyStore,
    clock: Callable[[], datetime],
    *,
    wake_worker: Callable[[], object] | None = None,
) -> CaseFiles:
    """The desk's case file: report keys, secrets, and the contact *public* key.

    The contact public key seals a structured case's code for the worker's alerts, as the web
    does; it opens nothing. The desk's key folder needs it (crypto.ROLE_FILES["desk"]).
    `wake_worker`: the embedded default's `Dispatcher.relay_waiting` (see CaseFileParts).
    """
    hasher = SecretHasher(keys.code_key())
    state_cipher = StateCipher(keys.session_key())
    report_sealer = ReportSealer(keys.report_public())
    intake = Intake(
        sessions=sessions,
        report_sealer=report_sealer,
        contact_sealer=ContactSealer(keys.contact_public()),
        state_cipher=state_cipher,
        hasher=hasher,
        random_digits=random_case_digits,
        relayed=True,  # The desk has no queue: the worker's relay takes the new case's rows.
    )
    return CaseFiles(
        CaseFileParts(
            sessions=sessions,
            clock=clock,
            hasher=hasher,
            state_cipher=state_cipher,
            report_sealer=report_sealer,
            report_opener=ReportOpener(keys.report_private()),
            intake=intake,
            wake_worker=wake_worker,
        )
    )
