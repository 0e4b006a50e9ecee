"""Key files: generation, permissions, per-role export, rotation and destruction."""

from __future__ import annotations

import base64
import json
import re
import stat
from pathlib import Path

import pytest

from crypto import (
    ROLE_FILES,
    ROLES,
    ContactOpener,
    ContactSealer,
    CryptoError,
    ForbiddenKeyFile,
    KeyFileInvalid,
    KeyFileMissing,
    KeyStore,
    ReportOpener,
    ReportSealer,
    Role,
    SealBroken,
    UnknownKeyId,
)

SECRET_FILES = {
    "session.secret.json",
    "pseudonym.secret.json",
    "code.secret.json",
    "number.secret.json",
    "desk.secret.json",
}
ALL_FILES = {
    "report.public.json",
    "report.private.json",
    "contact.public.json",
    "contact.private.json",
    *SECRET_FILES,
    "audit.web.json",
    "audit.worker.json",
    "audit.desk.json",
}


LEGACY_FIELDS = ("session_key", "pseudonym_pepper", "code_key", "officer_key")


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
    (store.path / "code.secret.json").unlink()
    (store.path / "report.public.json").unlink()
    again = KeyStore.generate(store.path)
    assert set(again.created) == {"code.secret.json", "report.public.json"}
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
        (empty.number_pepper, "number.secret.json"),
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
    (store.path / "code.secret.json").write_text("not json")
    with pytest.raises(KeyFileInvalid):
        store.code_key()


def test_secrets_are_32_random_bytes_each_in_a_file_of_its_own(store: KeyStore) -> None:
    values = [store.session_key(), store.pseudonym_pepper(), store.code_key()]
    values.append(store.number_pepper())
    assert all(len(v) == 32 for v in values)
    assert len(set(values)) == 4


def test_a_secret_file_under_another_name_is_refused(store: KeyStore) -> None:
    (store.path / "code.secret.json").write_bytes((store.path / "number.secret.json").read_bytes())
    with pytest.raises(KeyFileInvalid, match="code secret"):
        store.code_key()


def test_an_old_combined_secrets_file_is_split_keeping_every_value(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir()
    old = {name: bytes([i]) * 32 for i, name in enumerate(LEGACY_FIELDS, start=1)}
    legacy = {"format": "handsoff-keys/1", "kind": "secrets", "created": "2026-01-05"}
    legacy.update({name: base64.b64encode(value).decode() for name, value in old.items()})
    (folder / "secrets.json").write_text(json.dumps(legacy))

    store = KeyStore.generate(folder)

    assert not (folder / "secrets.json").exists()
    # The same values, so digests stored before the split still match.
    assert store.session_key() == old["session_key"]
    assert store.pseudonym_pepper() == old["pseudonym_pepper"]
    assert store.code_key() == old["code_key"]
    assert store.number_pepper() == old["officer_key"]


def test_private_keys_hide_their_material_from_repr(store: KeyStore) -> None:
    key = store.report_private()[0]
    assert repr(key.mlkem_seed) not in repr(key)
    assert repr(key.x25519_private) not in repr(key)


def test_the_web_export_holds_public_keys_and_secrets_but_cannot_open_anything(
    store: KeyStore, tmp_path: Path
) -> None:
    web = store.export(tmp_path / "web", role="web")
    assert {p.name for p in web.path.iterdir()} == set(ROLE_FILES["web"])
    report = ReportSealer(web.report_public()).seal_report(b"what happened", "case-1")
    contact = ContactSealer(web.contact_public()).seal_for_worker("+258841234567", "case-1")
    assert web.session_key() == store.session_key()
    with pytest.raises(KeyFileMissing, match=r"report\.private\.json"):
        ReportOpener(web.report_private())
    with pytest.raises(KeyFileMissing, match=r"contact\.private\.json"):
        ContactOpener(web.contact_private())
    # Only the processes holding the private keys can open what web sealed.
    assert ReportOpener(store.report_private()).open_report(report, "case-1") == b"what happened"
    assert (
        ContactOpener(store.contact_private()).open_for_worker(contact, "case-1") == "+258841234567"
    )


def test_the_export_files_are_readable_by_the_owner_only(store: KeyStore, tmp_path: Path) -> None:
    desk = store.export(tmp_path / "desk", role="desk")
    assert mode(desk.path) == 0o700
    for path in desk.path.iterdir():
        assert mode(path) == 0o600, path.name


def test_the_worker_export_opens_contacts_but_not_reports(store: KeyStore, tmp_path: Path) -> None:
    worker = store.export(tmp_path / "worker", role="worker")
    blob = ContactSealer(store.contact_public()).seal_for_worker("+258841234567", "c")
    assert ContactOpener(worker.contact_private()).open_for_worker(blob, "c") == "+258841234567"
    with pytest.raises(KeyFileMissing):
        worker.report_private()
    with pytest.raises(KeyFileMissing):
        worker.session_key()


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
        auditor.code_key()
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


# What each role must never hold (docs/keys.md); every one of these is refused by name.
NEVER = {
    "web": {
        "report.private.json",
        "contact.private.json",
        "number.secret.json",
        "desk.secret.json",
    },
    "worker": {"report.private.json", "session.secret.json", "desk.secret.json"},
    "desk": {"contact.private.json", "number.secret.json", "pseudonym.secret.json"},
}


@pytest.mark.parametrize("role", ["web", "worker", "desk"])
def test_each_role_export_holds_exactly_its_files_and_none_it_must_never_hold(
    store: KeyStore, tmp_path: Path, role: Role
) -> None:
    exported = store.export(tmp_path / role, role=role)
    held = {p.name for p in exported.path.iterdir()}
    assert held == set(ROLE_FILES[role])
    assert not held & NEVER[role]
    exported.check_role(role)  # an exported folder passes its own role's check


@pytest.mark.parametrize(
    ("role", "forbidden"), [(role, name) for role, names in NEVER.items() for name in names]
)
def test_a_folder_holding_a_file_its_role_must_not_hold_is_refused_by_name(
    store: KeyStore, tmp_path: Path, role: Role, forbidden: str
) -> None:
    exported = store.export(tmp_path / role, role=role)
    (exported.path / forbidden).write_bytes((store.path / forbidden).read_bytes())
    with pytest.raises(ForbiddenKeyFile, match=re.escape(forbidden)) as caught:
        exported.check_role(role)
    assert caught.value.names == (forbidden,)
    assert role in str(caught.value)


def test_a_private_key_under_an_unexpected_name_is_refused_too(
    store: KeyStore, tmp_path: Path
) -> None:
    web = store.export(tmp_path / "web", role="web")
    (web.path / "backup-report.json").write_bytes((store.path / "report.private.json").read_bytes())
    (web.path / "secrets.json").write_text("{}")  # the old combined file held the number key
    with pytest.raises(ForbiddenKeyFile) as caught:
        web.check_role("web")
    assert caught.value.names == ("backup-report.json", "secrets.json")


def test_the_full_folder_fits_no_role(store: KeyStore) -> None:
    for role in ROLES:
        with pytest.raises(ForbiddenKeyFile):
            store.check_role(role)


@pytest.mark.parametrize("role", ROLES)
def test_generate_on_any_role_export_creates_nothing(
    store: KeyStore, tmp_path: Path, role: Role
) -> None:
    exported = store.export(tmp_path / role, role=role)
    assert KeyStore.generate(exported.path).created == ()
    assert {p.name for p in exported.path.iterdir()} == set(ROLE_FILES[role])
