"""Least privilege: the web works cases with public keys and secrets, the worker with its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import CryptoError, KeyStore
from tests.integration.casework.conftest import World, make_world


@pytest.fixture
def split_world(
    tmp_path: Path, postgres_url: str, redis_url: str, webhook_token: str
) -> Iterator[World]:
    provisioning = tmp_path / "provisioning" / "keys"
    KeyStore.generate(provisioning)
    KeyStore(provisioning).export(tmp_path / "web" / "keys", role="web")
    KeyStore(provisioning).export(tmp_path / "worker" / "keys", role="worker")
    with make_world(
        tmp_path / "web", postgres_url, redis_url, webhook_token, worker_home=tmp_path / "worker"
    ) as world:
        yield world


def test_the_whole_workflow_runs_with_each_process_holding_only_its_own_keys(
    split_world: World,
) -> None:
    world = split_world
    web_keys = KeyStore(world.settings.keys_dir)
    with pytest.raises(CryptoError):
        web_keys.contact_private()
    with pytest.raises(CryptoError):
        world.ctx.keys.session_key()
    with pytest.raises(CryptoError):
        world.ctx.keys.report_private()

    _, officer = world.officer("Ana", role="psychosocial")
    filed = world.file(contact="call")
    world.drain()
    assert filed.code in world.inbox(officer)[0]
    # The worker stretched the PIN the web sealed, with its own keys only.
    stretched = world.case(filed.case_id)
    assert stretched.pin_sealed is None and stretched.pin_digest is not None
    for command in (f"OK {filed.code}", f"NOTA {filed.code} ok", f"TEL {filed.code}", "CASOS"):
        world.text(officer, command)
    world.text(filed.phone, "mensagem livre")
    world.text(filed.phone, f"ESTADO {filed.code} 2468")
    world.drain()
    received = world.inbox(officer)
    assert any(filed.phone in text for text in received)
    assert f"Casos abertos: {filed.code}" in received
    assert world.inbox(filed.phone) == [
        "Mensagem recebida. Obrigado.",
        f"Codigo {filed.code}: em tratamento.",
    ]
