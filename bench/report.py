"""Targets, the printed table, and the chart (matplotlib when installed, else skipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Issue 12: at least the fixed floor's hops/s (Flask + one Redis GET/SET under gunicorn with 2
# sync workers) at 2 and 8 sessions in flight; the latency targets at 8.
RATIO_TARGET = 1.0
RATIO_SESSIONS = (2, 8)
P99_TARGET_MS = 10.0
SUBMIT_P99_TARGET_MS = 25.0
TARGET_SESSIONS = 8
# Item 3: one worker drains a wave of officers' messages at this rate or better.
WORKER_SMS_TARGET = 200.0


def evaluate_targets(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets against one server's levels."""
    targets: list[dict[str, Any]] = []
    for level in run["levels"]:
        n = level["sessions"]
        if n in RATIO_SESSIONS:
            targets.append(
                {
                    "target": f"hops/s >= {RATIO_TARGET} x the fixed floor at {n} sessions "
                    "(median of rounds)",
                    "value": level["ratio_median"],
                    "met": level["ratio_median"] >= RATIO_TARGET,
                }
            )
        if n == TARGET_SESSIONS:
            service = level["service"]
            targets.append(
                {
                    "target": f"p99 hop latency < {P99_TARGET_MS:g} ms at {n} sessions",
                    "value": service["p99_ms"],
                    "met": service["p99_ms"] < P99_TARGET_MS,
                }
            )
            targets.append(
                {
                    "target": f"submit hop p99 < {SUBMIT_P99_TARGET_MS:g} ms at {n} sessions",
                    "value": service["submit_p99_ms"],
                    "met": service["submit_p99_ms"] < SUBMIT_P99_TARGET_MS,
                }
            )
    errors = sum(level["service"]["errors"] for level in run["levels"])
    targets.append({"target": "zero errors (service)", "value": errors, "met": errors == 0})
    return targets


def worker_target(wave: dict[str, Any]) -> dict[str, Any]:
    """The worker's SMS rate on a wave (bench/sms_wave.py); a wave that did not run fails it."""
    target = f"worker >= {WORKER_SMS_TARGET:g} SMS/s (a wave of officer notices)"
    if wave.get("status") != "ok":
        return {"target": target, "value": wave.get("status"), "met": False}
    rate = wave["sms_per_s"]
    return {"target": target, "value": rate, "met": rate >= WORKER_SMS_TARGET}


def print_run(run: dict[str, Any]) -> None:
    think = f", {run['think_ms']:g} ms think time" if run.get("think_ms") else ""
    print(
        f"\n== {run['server']} (journey: {run['journey']}, {run['hops_per_session']} hops{think})"
    )
    header = (
        f"{'N':>3} {'app':<8} {'hops/s':>8} {'sess/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'sub p50':>8} {'sub p99':>8} {'errors':>6} {'srv CPU ms/hop':>14} {'other cores':>11}"
    )
    print(header)
    print("-" * len(header))
    for level in run["levels"]:
        for app in ("floor", "service"):
            s = level[app]
            submit50 = f"{s['submit_p50_ms']:>8.2f}" if app == "service" else f"{'-':>8}"
            submit99 = f"{s['submit_p99_ms']:>8.2f}" if app == "service" else f"{'-':>8}"
            print(
                f"{level['sessions']:>3} {app:<8} {s['hops_per_s']:>8.1f} "
                f"{s['sessions_per_s']:>7.2f} "
                f"{s['p50_ms']:>7.2f} {s['p99_ms']:>7.2f} {submit50} {submit99} "
                f"{s['errors']:>6} {s['server_cpu_ms_per_hop']:>14.3f} {s['other_cores']:>11.2f}"
            )
        print(
            f"{'':>3} ratio service/floor (hops/s): {level['ratio_hops']:.2f} overall, "
            f"{level['ratio_median']:.2f} median of slices {level['ratio_slices']}"
        )


def print_targets(targets: list[dict[str, Any]]) -> None:
    print("\nTargets:")
    for t in targets:
        print(f"  [{'met' if t['met'] else 'NOT MET':>7}] {t['target']}: {t['value']}")


def print_servers(runs: list[dict[str, Any]]) -> None:
    if len(runs) < 2:
        return
    print("\nServers compared (service):")
    levels = [level["sessions"] for level in runs[0]["levels"]]
    cells = "".join(f" {'N=' + str(n) + ' hops/s':>13} {'p99':>7} {'ratio':>6}" for n in levels)
    width = max(30, *(len(run["server"]) + 2 for run in runs))
    print(f"{'server':<{width}}{cells}")
    for run in runs:
        row = f"{run['server']:<{width}}"
        for level in run["levels"]:
            row += (
                f" {level['service']['hops_per_s']:>13.1f} {level['service']['p99_ms']:>7.2f}"
                f" {level['ratio_median']:>6.2f}"
            )
        print(row)


def chart(results: dict[str, Any], path: Path) -> str | None:
    """Throughput and p99 latency, service vs floor; returns the path or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    runs = results["runs"]
    head = runs[0]
    levels = [level["sessions"] for level in head["levels"]]
    fig, axes = plt.subplots(1, 3 if len(runs) > 1 else 2, figsize=(15 if len(runs) > 1 else 10, 4))
    width = 0.38
    xs = range(len(levels))
    ax = axes[0]
    floor = [level["floor"]["hops_per_s"] for level in head["levels"]]
    service = [level["service"]["hops_per_s"] for level in head["levels"]]
    ax.bar([x - width / 2 for x in xs], floor, width, label="floor (Flask + Redis GET/SET)")
    ax.bar([x + width / 2 for x in xs], service, width, label="service (full report journey)")
    ax.plot(
        [x + width / 2 for x in xs],
        [RATIO_TARGET * f for f in floor],
        "k_",
        markersize=28,
        label=f"target: {RATIO_TARGET} x floor",
    )
    ax.set_xticks(list(xs), [f"{n} sessions" for n in levels])
    ax.set_ylabel("hops per second")
    ax.set_title(f"Throughput, {head['server']}")
    ax.legend(fontsize=8)
    ax = axes[1]
    p99 = [level["service"]["p99_ms"] for level in head["levels"]]
    submit = [level["service"]["submit_p99_ms"] for level in head["levels"]]
    floor99 = [level["floor"]["p99_ms"] for level in head["levels"]]
    ax.bar([x - width for x in xs], floor99, width * 0.9, label="floor p99")
    ax.bar(list(xs), p99, width * 0.9, label="service hop p99")
    ax.bar([x + width for x in xs], submit, width * 0.9, label="service submit hop p99")
    ax.axhline(P99_TARGET_MS, color="k", linestyle="--", linewidth=1, label="hop p99 target")
    ax.axhline(SUBMIT_P99_TARGET_MS, color="r", linestyle=":", linewidth=1, label="submit target")
    ax.set_xticks(list(xs), [f"{n} sessions" for n in levels])
    ax.set_ylabel("milliseconds")
    ax.set_title("p99 latency")
    ax.legend(fontsize=8)
    if len(runs) > 1:
        ax = axes[2]
        step = 0.8 / len(runs)
        for i, run in enumerate(runs):
            values = [level["service"]["hops_per_s"] for level in run["levels"]]
            ax.bar([x - 0.4 + step * (i + 0.5) for x in xs], values, step, label=run["server"])
        ax.set_xticks(list(xs), [f"{n} sessions" for n in levels])
        ax.set_ylabel("service hops per second")
        ax.set_title("Servers compared")
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def ascii_bars(runs: list[dict[str, Any]], width: int = 50) -> str:
    """The same throughput comparison as text, for terminals and markdown."""
    top = max(
        max(level["floor"]["hops_per_s"], level["service"]["hops_per_s"])
        for run in runs
        for level in run["levels"]
    )
    lines = []
    for run in runs:
        lines.append(run["server"])
        for level in run["levels"]:
            for app in ("floor", "service"):
                value = level[app]["hops_per_s"]
                bar = "#" * max(1, round(width * value / top))
                lines.append(f"  N={level['sessions']:<3} {app:<8} {bar} {value:.0f}")
    return "\n".join(lines)
