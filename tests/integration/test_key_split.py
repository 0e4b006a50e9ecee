"""The web process holds public keys only: it seals reports it can never open."""

from __future__ import annotations

from pathlib import Path

import pytest

from crypto import CryptoError, KeyStore, ReportOpener
from crypto.keys import SECRET_NAMES
from tests.support.backends import running_service
from tests.support.journeys import file_report


def test_the_web_process_cannot_open_a_report_with_the_keys_it_holds(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> None:
    full = tmp_path / "provisioning"
    KeyStore.generate(full / "keys")
    web_home = tmp_path / "web"
    KeyStore(full / "keys").export(web_home / "keys", role="web")

    with running_service("production", web_home, postgres_url, redis_url, webhook_token) as svc:
        file_report(svc.phone("+258841230003"), description="so a secretaria")
        [case] = svc.cases()

        web_keys = KeyStore(svc.settings.keys_dir)
        with pytest.raises(CryptoError):
            web_keys.report_private()
        with pytest.raises(CryptoError):
            web_keys.contact_private()
        assert not any("private" in p.name for p in svc.settings.keys_dir.iterdir())
        # Every key the web holds fails to open the sealed content.
        held = [n for n in SECRET_NAMES if (svc.settings.keys_dir / f"{n}.secret.json").exists()]
        assert held
        for secret in (web_keys.secret(name) for name in held):
            if isinstance(secret, bytes):
                with pytest.raises((CryptoError, TypeError, AttributeError, ValueError)):
                    ReportOpener(secret).open_report(case.content_sealed, case.ref)  # type: ignore[arg-type]
        # The desk's key, kept elsewhere, opens it.
        desk = ReportOpener(KeyStore(full / "keys").report_private())
        assert b"so a secretaria" in desk.open_report(case.content_sealed, case.ref)
