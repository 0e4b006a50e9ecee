"""The desk process's composition root: SQL, the report private key, staff auth; no SMS."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from config.settings import Settings
from crypto import ReportOpener, ReportSealer, SecretHasher, StateCipher
from service.bootstrap.parts import open_database, open_keys
from service.clock import utcnow
from service.desk.casefile.building import build_case_files
from service.desk.context import DeskContext
from service.desk.staff import StaffRegistry


def _derived(key: bytes, purpose: bytes) -> bytes:
    """A separate key per use, so the cookie key never equals the session key itself."""
    return hmac.new(key, b"handsoff/desk/" + purpose + b"/v1", hashlib.sha256).digest()


def build_desk(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    wake_worker: Callable[[], object] | None = None,
) -> DeskContext:
    """Build the desk: it never receives aggregator credentials or the contact private key.

    `wake_worker` is given on the embedded defaults (the web's in-process relay), so a change
    made at the desk is texted at once; in production the outbox trigger's NOTIFY wakes it.
    """
    keys = open_keys(settings, "desk")
    # Sign-ins, disclosures and case changes at the desk are sealed with the desk's audit key.
    database = open_database(settings, audit_signer=keys.audit_signer("desk"))
    return DeskContext(
        settings=settings,
        sessions=database.sessions,
        report_opener=ReportOpener(keys.report_private()),
        report_sealer=ReportSealer(keys.report_public()),
        state_cipher=StateCipher(keys.session_key()),
        staff_cipher=StateCipher(keys.desk_key()),
        hasher=SecretHasher(keys.code_key()),
        # The desk's own secret, not the session key: the web holds that one, and must not be
        # able to forge a desk session.
        cookie_key=_derived(keys.desk_key(), b"cookie"),
        address_key=_derived(keys.desk_key(), b"address"),
        files=build_case_files(database.sessions, keys, clock, wake_worker=wake_worker),
        clock=clock,
        close=database.close,
    )


@contextmanager
def build_staff_registry(settings: Settings) -> Iterator[StaffRegistry]:
    """What `handsoff staff` needs: SQL and the desk's own key (it seals TOTP secrets)."""
    keys = open_keys(settings, "desk")
    database = open_database(settings, audit_signer=keys.audit_signer("desk"))
    try:
        yield StaffRegistry(database.sessions, StateCipher(keys.desk_key()), utcnow)
    finally:
        database.close()
