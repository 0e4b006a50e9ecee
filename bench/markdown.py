"""Render bench results as markdown tables: `python -m bench.markdown [latest.json ...]`.

Used to write docs/performance.md; prints to stdout, one section per results file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.report import ascii_bars


def runs_table(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| server | N | app | hops/s | sessions/s | p50 ms | p99 ms | submit p50 | submit p99 "
        "| errors | server CPU ms/hop | other cores | ratio (median of slices) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        for level in run["levels"]:
            for app in ("floor", "service"):
                s = level[app]
                service = app == "service"
                ratio = (
                    f"**{level['ratio_median']:.2f}** ({level['ratio_hops']:.2f} overall)"
                    if service
                    else ""
                )
                lines.append(
                    f"| {run['server']} | {level['sessions']} | {app} | {s['hops_per_s']:.0f} "
                    f"| {s['sessions_per_s']:.1f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} "
                    f"| {s['submit_p50_ms']:.1f} | {s['submit_p99_ms']:.1f} | {s['errors']} "
                    f"| {s['server_cpu_ms_per_hop']:.2f} | {s['other_cores']:.2f} | {ratio} |"
                    if service
                    else f"| {run['server']} | {level['sessions']} | {app} "
                    f"| {s['hops_per_s']:.0f} | {s['sessions_per_s']:.1f} | {s['p50_ms']:.1f} "
                    f"| {s['p99_ms']:.1f} | - | - | {s['errors']} "
                    f"| {s['server_cpu_ms_per_hop']:.2f} | {s['other_cores']:.2f} | |"
                )
    return "\n".join(lines)


def targets_table(targets: list[dict[str, Any]]) -> str:
    lines = ["| target | measured | met? |", "| --- | ---: | --- |"]
    for t in targets:
        lines.append(f"| {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |")
    return "\n".join(lines)


def per_hop_table(run: dict[str, Any]) -> str:
    levels = run["levels"]
    head = "| hop | " + " | ".join(f"N={lv['sessions']} p50 / p99 ms" for lv in levels) + " |"
    lines = [head, "| --- |" + " ---: |" * len(levels)]
    hops = len(levels[0]["service"]["per_hop_p50_ms"])
    for i in range(hops):
        name = "dial" if i == 0 else ("send (submit)" if i == hops - 1 else f"answer {i}")
        cells = [
            f"{lv['service']['per_hop_p50_ms'][i]:.1f} / {lv['service']['per_hop_p99_ms'][i]:.1f}"
            for lv in levels
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def profile_tables(profile: dict[str, Any]) -> str:
    lines = [
        "| hop | ms p50 (in process) | Redis round trips | SQL statements | commits "
        "| pool checkouts |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in profile["per_hop"]:
        lines.append(
            f"| {row['input']} | {row['ms_p50']:.2f} | {row['redis_round_trips']:g} "
            f"| {row['sql_statements']:g} | {row['sql_commits']:g} | {row['pool_checkouts']:g} |"
        )
    last = profile["per_hop"][-1]
    lines += [
        "",
        f"The floor's hop in process, same test client: "
        f"{profile.get('floor_ms_p50_in_process', '?')} ms p50.",
        "",
        f"Submit hop, Redis: `{last['redis_commands']}`",
        "",
        f"Submit hop, SQL: `{last.get('sql_kinds', {})}`",
        "",
        f"Dial, Redis: `{profile['per_hop'][0]['redis_commands']}`",
        "",
        f"Answer hop, Redis: `{profile['per_hop'][1]['redis_commands']}`",
        "",
        f"Hot spots (cProfile, ms per journey; the whole profiled journey: "
        f"{profile['profiled_ms_per_journey']} ms):",
        "",
        "| cumulative ms/journey | calls/journey | where | what |",
        "| ---: | ---: | --- | --- |",
    ]
    for spot in profile["hot_spots"]:
        lines.append(
            f"| {spot['cumtime_ms_per_journey']:.2f} | {spot['calls_per_journey']:g} "
            f"| `{spot['where']}` | {spot['meaning']} |"
        )
    lines += [
        "",
        "Top functions of service/, flows/, crypto/ by cumulative time:",
        "",
        "| cumulative ms/journey | own ms/journey | calls/journey | function |",
        "| ---: | ---: | ---: | --- |",
    ]
    for row in profile["top_own_code_cumulative"][:25]:
        lines.append(
            f"| {row['cumtime_ms_per_journey']:.2f} | {row['tottime_ms_per_journey']:.2f} "
            f"| {row['calls_per_journey']:g} | `{row['function']}` |"
        )
    lines += [
        "",
        "Top functions by own time:",
        "",
        "| own ms/journey | calls/journey | function |",
        "| ---: | ---: | --- |",
    ]
    for row in profile["top_tottime"][:15]:
        lines.append(
            f"| {row['tottime_ms_per_journey']:.2f} | {row['calls_per_journey']:g} "
            f"| `{row['function']}` |"
        )
    return "\n".join(lines)


def soak_table(soak: dict[str, Any]) -> str:
    load = soak["load"]
    lines = [
        f"{load['sessions']} sessions, {load['hops']} hops in {load['seconds']:.0f} s "
        f"({load['hops_per_s']} hops/s, p99 {load['p99_ms']} ms, {load['errors']} errors); "
        f"worker: {soak['worker']}.",
        "",
        "| process | samples | Q1 mean MiB | Q4 mean MiB | max MiB | growth | slope MiB/min "
        "| flat? |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for p in soak["processes"]:
        lines.append(
            f"| {p['process']} | {p['samples']} | {p['first_quartile_mib']} "
            f"| {p['last_quartile_mib']} | {p['max_mib']} | {p['growth_pct']} % "
            f"| {p.get('slope_mib_per_min', '-')} | {'yes' if p['flat'] else '**no**'} |"
        )
    lines += [
        "",
        f"Redis used_memory before/after (MiB): {soak['redis_used_memory_mib']}; keys at the end: "
        f"`{soak.get('redis_keys_at_end', {})}`",
    ]
    return "\n".join(lines)


def comparison_table(comparison: dict[str, Any]) -> str:
    """Every contender at every level: hops/s, p99 ms, median ratio to the fixed floor."""
    levels = comparison["levels"]
    head = "| contender | " + " | ".join(
        f"N={lv['sessions']} hops/s | p99 ms | ratio" for lv in levels
    )
    rule = "| --- |" + " ---: | ---: | ---: |" * len(levels)
    rows = [head + " |", rule]
    for name in levels[0]["contenders"]:
        cells = []
        for level in levels:
            c = level["contenders"][name]
            errors = f" ({c['errors']} errors)" if c["errors"] else ""
            cells.append(
                f"{c['hops_per_s']:.0f}{errors} | {c['p99_ms']:.1f} | {c['ratio_median']:.2f}"
            )
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def render(results: dict[str, Any]) -> str:
    out = [f"<!-- {results['command']} at {results['generated_at']} -->"]
    if "runs" in results:
        if "comparison" in results:
            out += ["", comparison_table(results["comparison"])]
        out += ["", runs_table(results["runs"])]
        if "targets" in results:
            out += ["", targets_table(results["targets"])]
        out += ["", "Per hop, service:", "", per_hop_table(results["runs"][0])]
        out += ["", "```", ascii_bars(results["runs"]), "```"]
    if "worker" in results:
        out += ["", f"Worker: `{results['worker']}`"]
    if "soak" in results:
        out += ["", soak_table(results["soak"])]
    if results.get("profile"):
        out += ["", profile_tables(results["profile"])]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [Path("bench/results/latest.json")]
    for path in paths:
        print(render(json.loads(path.read_text())))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
