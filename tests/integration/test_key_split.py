"""The web process holds public keys only: it seals reports and numbers it can never open."""

from __future__ import annotations

from pathlib import Path

import pytest

from crypto import ContactOpener, CryptoError, KeyStore, ReportOpener, StateCipher
from crypto.contexts import CASE_CODE_FOR_WEB, CASE_CODE_FOR_WORKER, REPORTER_CONTACT, context
from crypto.keys import KEY_NAMES, SECRET_NAMES
from tests.support.backends import running_service
from tests.support.journeys import file_report

KEY_ID = slice(1, 9)  # a sealed blob names its key: a version byte, then the key's 8-byte id


def test_no_key_the_web_process_holds_opens_a_report_or_a_number(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    full = KeyStore.generate(tmp_path / "provisioning" / "keys")
    web_home = tmp_path / "web"
    full.export(web_home / "keys", role="web")

    with running_service("production", web_home, postgres_url, redis_url, webhook_token) as svc:
        file_report(svc.phone("+258841230003"), contact="sms", description="so a secretaria")
        [case] = svc.cases()
    assert case.contact_sealed is not None
    web_keys = KeyStore(svc.settings.keys_dir)
    sealed = {"report": case.content_sealed, "contact": case.contact_sealed}

    # Every symmetric secret the web holds, under every context the service seals with, fails.
    contexts = [
        b"",
        case.ref.encode(),
        *(
            context(prefix, case.ref).encode()
            for prefix in (CASE_CODE_FOR_WEB, CASE_CODE_FOR_WORKER)
        ),
    ]
    held = [name for name in SECRET_NAMES if (web_keys.path / f"{name}.secret.json").exists()]
    assert sorted(held) == ["code", "pseudonym", "session"]  # never the number key
    for secret in (web_keys.secret(name) for name in held):
        for blob in sealed.values():
            for bound_to in contexts:
                with pytest.raises(CryptoError):
                    StateCipher(secret).open(blob, bound_to)
    for name in KEY_NAMES:
        # Each blob is sealed to the key whose public half the web holds...
        assert sealed[name][KEY_ID] == web_keys.public_key(name).key_id
        # ...and the web's folder yields no private key of either kind, current or retired.
        with pytest.raises(CryptoError, match="private"):
            web_keys.private_keys(name)
    # The keys kept elsewhere open both: the desk the report, the worker the number.
    desk = ReportOpener(full.report_private())
    assert b"so a secretaria" in desk.open_report(case.content_sealed, case.ref)
    worker = ContactOpener(full.contact_private())
    opened = worker.open_for_worker(case.contact_sealed, context(REPORTER_CONTACT, case.ref))
    assert opened == "+258841230003"
