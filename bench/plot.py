"""Plot what the timing benchmarks measured: the first page and step lateness.

    .venv/bin/python -m bench.plot

Reads the raw measurements the benchmarks left in bench/out/ (`escalation.json`, `faults.json`)
and draws their distributions (empirical CDFs, seconds on a log scale) into bench/latency.png,
which bench/RESULTS.md shows. Run by `make bench` after the benchmarks.
"""

import json

import matplotlib.pyplot as plt  # without a screen it draws with Agg

from bench.common import OUT, RESULTS

PNG = RESULTS.parent / "latency.png"
SERIES = [
    ("escalation.json", "first_page", "first page, steady load (bench/escalation)"),
    ("escalation.json", "step_ran", "step ran - step due (bench/escalation)"),
    ("escalation.json", "at_provider", "page at provider - step due (bench/escalation)"),
    ("faults.json", "first_page", "first page under faults (bench/faults)"),
]
GOALS = [(0.2, "first page goal, steady (0.2 s)"), (20, "first page goal, faults (20 s)")]


def main() -> None:
    fig, ax = plt.subplots(figsize=(9, 5), dpi=110)
    drawn = 0
    for name, key, label in SERIES:
        path = OUT / name
        if not path.exists():
            continue
        values = sorted(max(v, 1e-3) for v in json.loads(path.read_text()).get(key, []))
        if not values:
            continue
        shares = [(i + 1) / len(values) for i in range(len(values))]
        ax.step(values, shares, where="post", label=f"{label}, n={len(values)}")
        drawn += 1
    if not drawn:
        raise SystemExit("nothing to plot: run bench.escalation and bench.faults first")
    for seconds, label in GOALS:
        ax.axvline(seconds, linestyle=":", color="grey")
        ax.annotate(label, (seconds, 0.02), rotation=90, fontsize=7, color="grey")
    ax.set_xscale("log")
    ax.set_xlabel("seconds (log scale)")
    ax.set_ylabel("share of pages / steps at or below")
    ax.set_title("edrops: first page and step lateness")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(PNG)
    print(f"wrote {PNG}")


if __name__ == "__main__":
    main()
