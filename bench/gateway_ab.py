"""`python -m bench.gateway_ab`: the AT gateway alone, fresh connection vs keep-alive, A/B.

Alternating rounds of sends into the local fake aggregator in this process; medians of wall
and CPU time per send (CPU counts this process: the client and the fake together).
"""

from __future__ import annotations

import argparse
import statistics
import time

from service.messaging.africastalking.sms_client import AfricasTalkingGateway
from tests.support.fake_aggregator import API_KEY, USERNAME, FakeAggregator

NUMBER = "+258841234567"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sends", type=int, default=100)
    args = parser.parse_args()
    fake = FakeAggregator()
    with fake.running():
        gateways = {
            name: AfricasTalkingGateway(USERNAME, API_KEY, base_url=fake.base_url, keep_alive=on)
            for name, on in (("fresh_connection", False), ("keep_alive", True))
        }
        wall: dict[str, list[float]] = {name: [] for name in gateways}
        cpu: dict[str, list[float]] = {name: [] for name in gateways}
        for index in range(args.rounds):
            names = list(gateways) if index % 2 == 0 else list(reversed(gateways))
            for name in names:
                started, cpu_started = time.perf_counter(), time.process_time()
                for _ in range(args.sends):
                    gateways[name].send(NUMBER, "bench")
                wall[name].append((time.perf_counter() - started) * 1000 / args.sends)
                cpu[name].append((time.process_time() - cpu_started) * 1000 / args.sends)
    for name in gateways:
        print(
            f"{name}: {statistics.median(wall[name]):.2f} ms wall, "
            f"{statistics.median(cpu[name]):.2f} ms CPU per send"
        )
    ratio = statistics.median(wall["fresh_connection"]) / statistics.median(wall["keep_alive"])
    print(f"keep-alive send rate: {ratio:.2f}x the fresh connection's")


if __name__ == "__main__":
    main()
