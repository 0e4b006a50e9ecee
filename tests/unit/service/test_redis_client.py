"""The web's and the worker's Redis clients parse and pack with hiredis (a dependency for speed:
docs/performance.md, "hiredis"); should redis-py stop taking it up, this says so."""

from __future__ import annotations

from pathlib import Path

from redis._parsers import _HiredisParser
from redis.connection import HiredisRespSerializer
from redis.utils import HIREDIS_AVAILABLE

from config.settings import Settings
from service.bootstrap.parts import make_redis


def test_the_services_redis_connections_use_hiredis(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"HANDSOFF_HOME": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0"},
        serves_callbacks=False,
    )
    client = make_redis(settings)
    assert client is not None and HIREDIS_AVAILABLE
    connection = client.connection_pool.make_connection()  # not connected: no server needed
    assert isinstance(connection._parser, _HiredisParser)
    assert isinstance(connection._command_packer, HiredisRespSerializer)
    client.close()
