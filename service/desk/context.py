"""What the desk's pages need, built once by service.bootstrap.desk (never at import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from crypto import ReportOpener, ReportSealer, SecretHasher, StateCipher
from service.desk.casefile import CaseFiles


@dataclass
class DeskContext:
    """The desk's parts: SQL, the report private key, code digests, staff auth secrets."""

    settings: Settings
    sessions: sessionmaker[Session]
    # Opens sealed content, notes and free-text SMS: only the desk holds it.
    report_opener: ReportOpener
    # Seals notes written at the desk back to the same key.
    report_sealer: ReportSealer
    # The session key: opens Case.code_sealed, to show codes without opening sealed content.
    state_cipher: StateCipher
    # The desk's own key, not the web's session key: staff TOTP secrets are sealed with it.
    staff_cipher: StateCipher
    # Looks a typed case code up by its keyed digest (the code itself is never stored).
    hasher: SecretHasher
    # Signs the desk's session cookie; derived from the secrets so every desk worker agrees.
    cookie_key: bytes
    # Keys the digest of a client address in the login throttle (addresses are not stored).
    address_key: bytes
    # The case-file layer: every read and change of one case, audited (service/desk/casefile/).
    files: CaseFiles
    clock: Callable[[], datetime]
    close: Callable[[], None]
