"""Key files: generation, permissions, per-role export, rotation and destruction."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from crypto import (
    ContactOpener,
    ContactSealer,
    CryptoError,
    KeyFileInvalid,
    KeyFileMissing,
    KeyStore,
    ReportOpener,
    ReportSealer,
    SealBroken,
    UnknownKeyId,
)

ALL_FILES = {
    "report.public.json",
    "report.private.json",
    "contact.public.json",
    "contact.private.json",
    "secrets.json",
    "audit.web.json",
    "audit.worker.json",
    "audit.desk.json",
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generate_writes_every_key_file_and_says_which(tmp_path: Path) -> None:
    store = KeyStore.generate(tmp_path / "keys")
    assert set(store.created) == ALL_FILES
    assert {p.name for p in store.path.iterdir()} == ALL_FILES


def test_generating_twice_keeps_every_key_and_creates_nothing(store: KeyStore) -> None:
    before = {p.name: p.read_bytes() for p in store.path.iterdir()}
    again = KeyStore.generate(store.path)
    assert again.created == ()
    assert {p.name: p.read_bytes() for p in again.path.iterdir()} == before


def test_generate_fills_in_only_what_is_missing(store: KeyStore) -> None:
    report_id = store.report_public().key_id
    (store.path / "secrets.json").unlink()
    (store.path / "report.public.json").unlink()
    again = KeyStore.generate(store.path)
    assert set(again.created) == {"secrets.json", "report.public.json"}
    assert again.report_public().key_id == report_id


def test_key_files_are_readable_by_the_owner_only(store: KeyStore) -> None:
    assert mode(store.path) == 0o700
    for path in store.path.iterdir():
        assert mode(path) == 0o600, path.name


def test_generate_tightens_a_folder_created_with_loose_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    KeyStore.generate(folder)
    assert mode(folder) == 0o700


def test_a_missing_key_file_raises_key_file_missing_naming_the_file(tmp_path: Path) -> None:
    empty = KeyStore(tmp_path)
    for accessor, name in [
        (empty.report_public, "report.public.json"),
        (empty.report_private, "report.private.json"),
        (empty.contact_public, "contact.public.json"),
        (empty.contact_private, "contact.private.json"),
        (empty.secrets, "secrets.json"),
    ]:
        with pytest.raises(KeyFileMissing, match=re.escape(name)) as caught:
            accessor()
        assert isinstance(caught.value, CryptoError)
        assert caught.value.path == tmp_path / name


def test_a_corrupt_key_file_raises_without_echoing_its_contents(store: KeyStore) -> None:
    path = store.path / "report.private.json"
    data = json.loads(path.read_text())
    seed = data["keys"][0]["mlkem768_seed"]
    data["keys"][0]["mlkem768_seed"] = seed[:-4]
    path.write_text(json.dumps(data))
    with pytest.raises(KeyFileInvalid, match=r"report\.private\.json") as caught:
        store.report_private()
    assert seed[:20] not in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_key_file_whose_id_does_not_match_its_key_is_refused(store: KeyStore) -> None:
    path = store.path / "contact.public.json"
    data = json.loads(path.read_text())
    data["key_id"] = "00" * 8
    path.write_text(json.dumps(data))
    with pytest.raises(KeyFileInvalid, match="key_id"):
        store.contact_public()


def test_a_key_file_that_is_not_json_is_refused(store: KeyStore) -> None:
    (store.path / "secrets.json").write_text("not json")
    with pytest.raises(KeyFileInvalid):
        store.secrets()


def test_secrets_are_32_random_bytes_each_and_hidden_from_repr(store: KeyStore) -> None:
    secrets = store.secrets()
    values = [secrets.session_key, secrets.pseudonym_pepper, secrets.code_key, secrets.officer_key]
    assert all(len(v) == 32 for v in values)
    assert len(set(values)) == 4
    assert all(v.hex() not in repr(secrets) and repr(v) not in repr(secrets) for v in values)


def test_private_keys_hide_their_material_from_repr(store: KeyStore) -> None:
    key = store.report_private()[0]
    assert repr(key.mlkem_seed) not in repr(key)
    assert repr(key.x25519_private) not in repr(key)


def test_the_web_export_holds_public_keys_and_secrets_but_cannot_open_anything(
    store: KeyStore, tmp_path: Path
) -> None:
    web = store.export(tmp_path / "web", role="web")
    assert {p.name for p in web.path.iterdir()} == {
        "report.public.json",
        "contact.public.json",
        "secrets.json",
        "audit.web.json",
    }
    report = ReportSealer(web.report_public()).seal_report(b"what happened", "case-1")
    contact = ContactSealer(web.contact_public()).seal_contact("+258841234567", "case-1")
    assert web.secrets() == store.secrets()
    with pytest.raises(KeyFileMissing, match=r"report\.private\.json"):
        ReportOpener(web.report_private())
    with pytest.raises(KeyFileMissing, match=r"contact\.private\.json"):
        ContactOpener(web.contact_private())
    # Only the processes holding the private keys can open what web sealed.
    assert ReportOpener(store.report_private()).open_report(report, "case-1") == b"what happened"
    assert ContactOpener(store.contact_private()).open_contact(contact, "case-1") == "+258841234567"


def test_the_export_files_are_readable_by_the_owner_only(store: KeyStore, tmp_path: Path) -> None:
    desk = store.export(tmp_path / "desk", role="desk")
    assert mode(desk.path) == 0o700
    for path in desk.path.iterdir():
        assert mode(path) == 0o600, path.name


def test_the_worker_export_opens_contacts_but_not_reports(store: KeyStore, tmp_path: Path) -> None:
    worker = store.export(tmp_path / "worker", role="worker")
    blob = ContactSealer(store.contact_public()).seal_contact("+258841234567", "c")
    assert ContactOpener(worker.contact_private()).open_contact(blob, "c") == "+258841234567"
    with pytest.raises(KeyFileMissing):
        worker.report_private()
    with pytest.raises(KeyFileMissing):
        worker.secrets()


def test_the_desk_export_opens_reports_but_not_contacts(store: KeyStore, tmp_path: Path) -> None:
    desk = store.export(tmp_path / "desk", role="desk")
    blob = ReportSealer(store.report_public()).seal_report(b"content", "c")
    assert ReportOpener(desk.report_private()).open_report(blob, "c") == b"content"
    with pytest.raises(KeyFileMissing):
        desk.contact_private()


def test_export_refuses_a_folder_already_holding_a_key_the_role_must_not_hold(
    store: KeyStore, tmp_path: Path
) -> None:
    store.export(tmp_path / "shared", role="desk")
    with pytest.raises(CryptoError, match=r"report\.private\.json"):
        store.export(tmp_path / "shared", role="web")


def test_generate_on_a_public_only_folder_makes_no_private_keys(
    store: KeyStore, tmp_path: Path
) -> None:
    web = store.export(tmp_path / "web", role="web")
    again = KeyStore.generate(web.path)
    assert again.created == ()
    assert again.report_public() == store.report_public()


def test_rotation_keeps_old_blobs_openable_and_seals_new_ones_to_the_new_key(
    store: KeyStore,
) -> None:
    old_id = store.report_public().key_id
    old_blob = ReportSealer(store.report_public()).seal_report(b"before", "c")

    new_public = store.rotate("report")

    assert new_public.key_id != old_id
    assert store.report_public() == new_public
    new_blob = ReportSealer(store.report_public()).seal_report(b"after", "c")
    assert new_blob[1:9] == new_public.key_id
    assert old_blob[1:9] == old_id
    opener = ReportOpener(store.report_private())
    assert opener.open_report(old_blob, "c") == b"before"
    assert opener.open_report(new_blob, "c") == b"after"


def test_rotation_keeps_the_previous_key_as_retired_behind_the_current_one(
    store: KeyStore,
) -> None:
    first = store.contact_private()[0]
    store.rotate("contact")
    store.rotate("contact")
    ring = store.contact_private()
    assert len(ring) == 3
    assert ring[0].retired is None
    assert all(key.retired is not None for key in ring[1:])
    assert ring[2].key_id == first.key_id
    assert mode(store.path / "contact.private.json") == 0o600


def test_rotation_needs_the_private_key(store: KeyStore, tmp_path: Path) -> None:
    web = store.export(tmp_path / "web", role="web")
    with pytest.raises(KeyFileMissing):
        web.rotate("report")


def test_destroying_a_retired_key_makes_its_blobs_unopenable(store: KeyStore) -> None:
    old_id = store.report_public().key_id
    old_blob = ReportSealer(store.report_public()).seal_report(b"shred me", "c")
    store.rotate("report")

    store.destroy_retired_key("report", old_id)

    with pytest.raises(UnknownKeyId):
        ReportOpener(store.report_private()).open_report(old_blob, "c")
    assert isinstance(UnknownKeyId("x"), SealBroken)


def test_the_current_key_cannot_be_destroyed(store: KeyStore) -> None:
    with pytest.raises(CryptoError, match="current"):
        store.destroy_retired_key("report", store.report_public().key_id)
    with pytest.raises(CryptoError, match="no retired"):
        store.destroy_retired_key("report", b"\x00" * 8)


def test_each_process_role_holds_its_own_audit_key_and_the_auditor_all_three(
    store: KeyStore, tmp_path: Path
) -> None:
    held = {
        role: {p.name for p in store.export(tmp_path / role, role=role).path.iterdir()}
        for role in ("web", "worker", "desk", "auditor")
    }
    assert {name for name in held["web"] if name.startswith("audit")} == {"audit.web.json"}
    assert {name for name in held["worker"] if name.startswith("audit")} == {"audit.worker.json"}
    assert {name for name in held["desk"] if name.startswith("audit")} == {"audit.desk.json"}
    assert held["auditor"] == {"audit.web.json", "audit.worker.json", "audit.desk.json"}
    web = KeyStore(tmp_path / "web")
    assert web.audit_signer("web").role == "web"
    with pytest.raises(KeyFileMissing, match=r"audit\.desk\.json"):
        web.audit_signer("desk")
    with pytest.raises(KeyFileMissing):
        web.audit_verifier()
    auditor = KeyStore(tmp_path / "auditor")
    with pytest.raises(KeyFileMissing):
        auditor.secrets()
    with pytest.raises(KeyFileMissing):
        auditor.report_private()


def test_audit_keys_are_distinct_random_and_hidden_from_repr(store: KeyStore) -> None:
    keys = [store.audit_key(role) for role in ("web", "worker", "desk")]
    assert len({key.secret for key in keys}) == 3
    assert all(len(key.secret) == 32 for key in keys)
    assert all(repr(key.secret) not in repr(key) for key in keys)
    assert "secret" not in repr(store.audit_signer("web"))


def test_an_audit_key_file_for_another_role_is_refused(store: KeyStore) -> None:
    path = store.path / "audit.web.json"
    path.write_text((store.path / "audit.desk.json").read_text())
    with pytest.raises(KeyFileInvalid, match="web audit key"):
        store.audit_key("web")


def test_generate_adds_audit_keys_to_a_full_folder_made_before_them(store: KeyStore) -> None:
    for role in ("web", "worker", "desk"):
        (store.path / f"audit.{role}.json").unlink()
    again = KeyStore.generate(store.path)
    assert set(again.created) == {"audit.web.json", "audit.worker.json", "audit.desk.json"}


def test_generate_never_makes_audit_keys_in_a_folder_provisioned_for_one_role(
    store: KeyStore, tmp_path: Path
) -> None:
    worker = store.export(tmp_path / "worker", role="worker")
    again = KeyStore.generate(worker.path)
    # (The worker folder gains a report key pair, as before; never another role's audit key.)
    assert not any(name.startswith("audit") for name in again.created)
    assert again.audit_key("worker") == store.audit_key("worker")
