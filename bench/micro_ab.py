"""Two code paths of one hot spot, timed alternately in one process (ratios, not absolutes).

    python -m bench.micro_ab --redis-db 10

`evalsha`: the hop's first script (lock, counters, state and reads) through redis-py's
`Script` object against the store's own `_Script` (EVALSHA straight through
`execute_command`), on the same connection, same keys, alternating batches.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import redis

from service.storage.kv import _BEGIN_HOP, _Script


def _best_us(call: Callable[[], object], number: int) -> float:
    started = time.process_time()
    for _ in range(number):
        call()
    return (time.process_time() - started) / number * 1e6


def evalsha(client: redis.Redis, rounds: int, number: int) -> None:
    old = client.register_script(_BEGIN_HOP)
    new = _Script(client, _BEGIN_HOP)
    keys = ["hs:l:x", "hs:s:x", "hs:rl:r:a", "hs:u:a", "hs:u:b", "hs:rl:s:a"]
    args = ["tok", 10000, 0, 3600, 1]

    def run_old() -> object:
        client.delete("hs:l:x")
        return old(keys=keys, args=args)

    def run_new() -> object:
        client.delete("hs:l:x")
        return new(keys, args)

    assert run_old() == run_new()
    ratios = []
    for i in range(rounds):
        pair = (run_old, run_new) if i % 2 == 0 else (run_new, run_old)
        found = {f.__name__: _best_us(f, number) for f in pair}
        ratios.append(found["run_new"] / found["run_old"])
        print(
            f"round {i}: redis-py Script {found['run_old']:.1f} µs, _Script "
            f"{found['run_new']:.1f} µs (each with a DEL to free the lock)"
        )
    print(f"_Script / Script CPU: median {statistics.median(ratios):.3f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--redis-db", type=int, default=13)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--number", type=int, default=2000)
    args = p.parse_args(argv)
    client = redis.Redis(host="127.0.0.1", port=6379, db=args.redis_db)
    if client.dbsize():
        raise SystemExit(f"Redis db {args.redis_db} is not empty; pick another with --redis-db")
    try:
        evalsha(client, args.rounds, args.number)
    finally:
        client.flushdb()
        client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
