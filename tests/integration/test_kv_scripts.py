"""The store's Lua scripts run by SHA and are loaded again when Redis no longer knows them."""

from __future__ import annotations

import redis

from service.storage.kv import HopKeys, KeyWrite, RedisStore


def test_a_hop_still_runs_when_redis_forgot_its_scripts(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    store = RedisStore(client)
    # As after a Redis restart: the SHA the store holds names no script the server knows.
    # (SCRIPT FLUSH would be the real thing, but the server's script cache is shared.)
    store._begin_hop._sha = "0" * 40
    store._end_hop._sha = "0" * 40
    keys = HopKeys(lock="hs:l:t", token="tok", state="hs:s:t", counts=("hs:rl:s:t",))
    begun = store.begin_hop(keys, 10.0, 1.0)
    assert begun.acquired and begun.state is None and begun.counted == {"hs:rl:s:t": 1}
    store.end_hop(keys, [KeyWrite("hs:s:t", b"sealed", 60)], [])
    assert client.get("hs:s:t") == b"sealed"
    assert client.get("hs:l:t") is None  # unlocked
    store.decr("hs:rl:s:t")
    assert client.get("hs:rl:s:t") == b"0"
    client.close()
