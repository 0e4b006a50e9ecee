"""The keyed audit chain on real PostgreSQL: `handsoff audit verify` against each kind of tampering.

The attacker here holds the database (SQL access, a backup, a restore) but no audit key; the
last tests show what the sealed head cannot see (a head replayed from an old copy) and how the
auditor's checkpoint file catches it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from crypto import KeyStore, chain_hash
from crypto.audit import GENESIS_HASH
from service.casework.audit import (
    AuditEventInvalid,
    AuditNotKeyed,
    count_audit_entries,
    list_audit_entries,
    record_event,
    verify_log,
)
from service.storage.engine import MIGRATIONS, make_engine, make_sessionmaker, upgrade_schema

T0 = datetime(2026, 6, 1, 9, 0)


@dataclass
class Log:
    engine: Engine
    url: str
    keys: KeyStore
    auditor_home: Path
    writers: dict[str, sessionmaker[Session]]

    def append(self, count: int, roles: tuple[str, ...] = ("web", "worker", "desk")) -> None:
        for n in range(count):
            role = roles[n % len(roles)]
            with self.writers[role].begin() as db:
                record_event(
                    db,
                    at=T0 + timedelta(minutes=n),
                    actor=f"{role}:{n}",
                    action="status_changed",
                    case_id=100 + n,
                    detail="closed",
                )

    def sql(self, statement: str, **params: object) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(statement), params)

    def verify(self, *extra: str) -> subprocess.CompletedProcess[str]:
        """Run `handsoff audit verify` as the auditor: their keys, the database URL."""
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
        env |= {"HANDSOFF_HOME": str(self.auditor_home), "DATABASE_URL": self.url}
        return subprocess.run(
            [sys.executable, "-m", "service.cli.main", "audit", "verify", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def log(postgres_url: str, tmp_path: Path) -> Iterator[Log]:
    engine = make_engine(postgres_url)
    upgrade_schema(engine)
    keys = KeyStore.generate(tmp_path / "provisioning" / "keys")
    auditor_home = tmp_path / "auditor"
    keys.export(auditor_home / "keys", role="auditor")
    writers = {
        role: make_sessionmaker(engine, audit_signer=keys.audit_signer(role))  # type: ignore[arg-type]
        for role in ("web", "worker", "desk")
    }
    try:
        yield Log(engine, postgres_url, keys, auditor_home, writers)
    finally:
        engine.dispose()


def test_an_intact_chain_verifies_and_exits_zero(log: Log) -> None:
    log.append(6)
    result = log.verify()
    assert result.returncode == 0, result.stderr
    assert "audit chain intact: 6 entries" in result.stdout


def test_an_edited_entry_is_named_and_exits_non_zero(log: Log) -> None:
    log.append(6)
    log.sql("UPDATE audit_log SET detail = 'reopened' WHERE seq = 3")
    result = log.verify()
    assert result.returncode == 1
    assert "broken at entry #3" in result.stderr and "seal does not match" in result.stderr


def test_an_entry_rewritten_with_a_recomputed_unkeyed_hash_is_caught(log: Log) -> None:
    log.append(4)
    # The old chain's weakness: anyone could recompute a SHA-256. Now the seal needs the key.
    log.sql("UPDATE audit_log SET actor = 'nobody', hash = :h WHERE seq = 4", h="ab" * 32)
    result = log.verify()
    assert result.returncode == 1 and "entry #4" in result.stderr


def test_an_inserted_entry_is_named(log: Log) -> None:
    log.append(5)
    log.sql("UPDATE audit_log SET seq = -seq WHERE seq >= 3")
    log.sql("UPDATE audit_log SET seq = 1 - seq WHERE seq < 0")
    log.sql(
        "INSERT INTO audit_log (seq, at, actor, action, detail, signer, prev_hash, hash) "
        "SELECT 3, at, 'desk:x', 'content_opened', '', 'desk', hash, :fake "
        "FROM audit_log WHERE seq = 2",
        fake="cd" * 32,
    )
    result = log.verify()
    assert result.returncode == 1 and "broken at entry #3" in result.stderr


def test_a_deleted_entry_is_named_by_the_gap_it_leaves(log: Log) -> None:
    log.append(6)
    log.sql("DELETE FROM audit_log WHERE seq = 3")
    result = log.verify()
    assert result.returncode == 1
    assert "broken at entry #4" in result.stderr and "removed" in result.stderr


def test_a_truncated_chain_is_caught_by_the_sealed_head(log: Log) -> None:
    log.append(6)
    log.sql("DELETE FROM audit_log WHERE seq > 3")
    result = log.verify()
    assert result.returncode == 1
    assert "broken at entry #4" in result.stderr and "truncated" in result.stderr


def test_a_truncated_chain_with_its_head_rewritten_fails_the_heads_seal(log: Log) -> None:
    log.append(6)
    log.sql("DELETE FROM audit_log WHERE seq > 3")
    log.sql(
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3), "
        "signer = (SELECT signer FROM audit_log WHERE seq = 3)"
    )
    result = log.verify()
    assert result.returncode == 1 and "head" in result.stderr


def test_a_head_replayed_from_an_old_copy_needs_the_auditors_checkpoint(
    log: Log, tmp_path: Path
) -> None:
    log.append(3)
    with log.engine.connect() as connection:
        old_head = connection.execute(text("SELECT seq, hash, signer, seal FROM audit_head")).one()
    anchor = tmp_path / "audit-checkpoint.json"
    log.append(3)
    first = log.verify("--anchor", str(anchor))
    assert first.returncode == 0 and "checkpoint moved to entry #6" in first.stdout
    # Someone with an old copy of the head row cuts the last three entries and puts it back.
    log.sql("DELETE FROM audit_log WHERE seq > 3")
    log.sql(
        "UPDATE audit_head SET seq = :seq, hash = :hash, signer = :signer, seal = :seal",
        seq=old_head.seq,
        hash=old_head.hash,
        signer=old_head.signer,
        seal=old_head.seal,
    )
    # The database alone cannot tell (docs/audit.md, limits) ...
    assert log.verify().returncode == 0
    # ... the checkpoint kept away from it can.
    result = log.verify("--anchor", str(anchor))
    assert result.returncode == 1
    assert "entry #4" in result.stderr and "checkpoint" in result.stderr


def test_verify_without_the_audit_keys_says_which_keys_it_needs(log: Log) -> None:
    for path in (log.auditor_home / "keys").iterdir():
        path.unlink()
    result = log.verify()
    assert result.returncode != 0 and "auditor" in result.stderr
    assert "Traceback" not in result.stderr


def test_concurrent_writers_get_consecutive_numbers_and_one_chain(log: Log) -> None:
    errors: list[BaseException] = []

    def write(role: str) -> None:
        try:
            log.append(10, roles=(role,))
        except BaseException as error:  # report any failure to the main thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(role,)) for role in ("web", "worker", "desk")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verdict = verify_log(log.writers["desk"], log.keys.audit_verifier())
    assert verdict.intact, verdict.describe()
    assert verdict.entries == 30


def test_a_session_without_a_signer_or_an_oversized_field_appends_nothing(log: Log) -> None:
    plain = make_sessionmaker(log.engine)
    with pytest.raises(AuditNotKeyed), plain.begin() as db:
        record_event(db, at=T0, actor="desk:ana", action="export")
    with pytest.raises(AuditEventInvalid), log.writers["desk"].begin() as db:
        record_event(db, at=T0, actor="desk:ana", action="export", detail="x" * 65)
    with pytest.raises(AuditEventInvalid), log.writers["desk"].begin() as db:
        record_event(db, at=T0, actor="staff:\nforged line", action="login")
    with log.writers["desk"]() as db:
        assert count_audit_entries(db) == 0


def test_the_auditors_list_pages_newest_first_with_no_content(log: Log) -> None:
    log.append(7)
    with log.writers["desk"]() as db:
        page = list_audit_entries(db, offset=2, limit=3)
        oldest = list_audit_entries(db, offset=0, limit=1, newest_first=False)
        assert count_audit_entries(db) == 7
    assert [record.seq for record in page] == [5, 4, 3]
    assert page[0].actor == "worker:4" and page[0].signer == "worker" and page[0].case_id == 104
    assert oldest[0].seq == 1
    assert not hasattr(page[0], "hash")
    with pytest.raises(ValueError), log.writers["desk"]() as db:
        list_audit_entries(db, offset=0, limit=0)


def test_entries_from_before_the_migration_stay_verifiable_and_the_keyed_chain_follows_them(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(postgres_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        # Two entries chained the old, unkeyed way, and the head they left.
        prev = GENESIS_HASH
        with engine.begin() as connection:
            for n in (1, 2):
                event = {"at": T0.isoformat(), "actor": "worker", "action": "assigned",
                         "case_id": n, "officer_id": "", "detail": ""}  # fmt: skip
                digest = chain_hash(prev, event)
                connection.execute(
                    text(
                        "INSERT INTO audit_log (at, actor, action, case_id, detail, prev_hash,"
                        " hash) VALUES (:at, 'worker', 'assigned', :case, '', :prev, :hash)"
                    ),
                    {"at": T0, "case": n, "prev": prev, "hash": digest},
                )
                prev = digest
            connection.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
        upgrade_schema(engine)
        keys = KeyStore.generate(tmp_path / "keys")
        desk = make_sessionmaker(engine, audit_signer=keys.audit_signer("desk"))
        verdict = verify_log(desk, keys.audit_verifier())
        assert verdict.intact and verdict.unkeyed == 2, verdict.describe()
        with desk.begin() as db:
            entry = record_event(db, at=T0, actor="staff:ana", action="login")
        assert entry.seq == 3 and entry.prev_hash == prev
        verdict = verify_log(desk, keys.audit_verifier())
        assert verdict.intact and verdict.entries == 3, verdict.describe()
        with engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET detail = 'x' WHERE seq = 1"))
        assert verify_log(desk, keys.audit_verifier()).broken is not None
    finally:
        engine.dispose()


def test_concurrent_writers_on_the_embedded_sqlite_file_keep_one_chain(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'handsoff.db'}")
    upgrade_schema(engine)
    keys = KeyStore.generate(tmp_path / "keys")
    log = Log(
        engine,
        "",
        keys,
        tmp_path,
        {
            role: make_sessionmaker(engine, audit_signer=keys.audit_signer(role))  # type: ignore[arg-type]
            for role in ("web", "worker", "desk")
        },
    )
    errors: list[BaseException] = []

    def write(role: str) -> None:
        try:
            log.append(10, roles=(role,))
        except BaseException as error:  # report any failure to the main thread
            errors.append(error)

    try:
        threads = [threading.Thread(target=write, args=(r,)) for r in ("web", "worker", "desk")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        verdict = verify_log(log.writers["desk"], keys.audit_verifier())
        assert verdict.intact and verdict.entries == 30, verdict.describe()
    finally:
        engine.dispose()
