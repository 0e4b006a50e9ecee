"""The desk's own key folder is enough to build the case file, and opens no number."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from crypto import CryptoError, KeyStore
from service.clock import utcnow
from service.desk.casefile.building import build_case_files


def test_the_case_file_builds_from_the_desk_export_alone(tmp_path: Path) -> None:
    desk_keys = KeyStore.generate(tmp_path / "all").export(tmp_path / "desk", role="desk")
    sessions = sessionmaker(create_engine("sqlite://"))

    files = build_case_files(sessions, desk_keys, utcnow)

    assert files.parts.report_opener is not None
    with pytest.raises(CryptoError):
        desk_keys.contact_private()
