"""Is anything lost when processes die and the database blinks? How late is the first page?

    .venv/bin/python -m bench.faults [--seconds 60] [--rate 10]

The chaos run of the suite (`tests/chaos/scenario.py`), longer: a fresh PostgreSQL database;
gunicorn, one `qcluster` and one `clock` (DEBUG off) reaching it through a TCP proxy; the fake
Twilio and Slack failing half their calls; dispatches posted at `--rate` a second for
`--seconds` while the worker is SIGKILLed twice, the clock once, the web server once (each
restarted a second later, as a supervisor would), and the database line is cut for 4 s.

Writes the "Faults" table to bench/RESULTS.md: per fault, the dispatches posted from 2 s
before it to 15 s after, how many were accepted, lost (accepted and never paged: must be 0),
and their worst first page (POST sent -> first request about it at a provider, whatever the
provider answered; goal 20 s). Raw first pages go to bench/out/faults.json for bench/plot.py,
and the timelines of the three slowest dispatches to bench/out/faults-slowest.txt.
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import environ

from bench.common import OUT, pct, write_section
from tests.chaos import scenario
from tests.e2e.stack import Databases, Stack
from tests.fakes import FakeSlack, FakeTwilio, provider_env
from tests.fakes.tcp_proxy import TcpProxy

BEGIN, END = "<!-- bench/faults begin -->", "<!-- bench/faults end -->"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# A fault's dispatches: posted from just before it to well after it.
BEFORE, AFTER = 2.0, 15.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=10.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="edrops-bench-faults-"))
    os.environ["DATABASE_URL"] = f"{PG}/postgres"
    databases = Databases(workdir)
    stack = Stack(database_url=databases.fresh(), logdir=workdir)
    log_level = os.environ.get("BENCH_LOG_LEVEL", "WARNING")
    stack.env_extra.update(DEBUG="0", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL=log_level)
    twilio = FakeTwilio(public_base_url=stack.base_url)
    slack = FakeSlack(public_base_url=stack.base_url)
    stack.env_extra.update(provider_env(twilio, slack))
    config = environ.Env.db_url_config(stack.database_url)
    proxy = TcpProxy(target=(config["HOST"] or "127.0.0.1", int(config["PORT"] or 5432)))
    direct = stack.database_url
    try:
        scenario.prepare(stack, workdir)
        stack.database_url = scenario.through_proxy(direct, proxy)
        stack.start("web", "worker", "clock")
        scenario.ready(stack)
        report = scenario.run(
            stack=stack, direct_url=direct, proxy=proxy, twilio=twilio, slack=slack,
            seconds=args.seconds, rate=args.rate, settle=120,
        )  # fmt: skip
        story = scenario.slowest(report, direct)
    finally:
        stack.stop_all()
        proxy.close()
        twilio.close()
        slack.close()
        if not os.environ.get("BENCH_KEEP"):
            databases.drop_all()
    print(report.summary())
    print(f"logs in {workdir}")

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "faults-slowest.txt").write_text(story + "\n")
    print(story)
    (OUT / "faults.json").write_text(json.dumps({"first_page": list(report.first_page.values())}))
    write_section(begin=BEGIN, end=END, section=section(report, args))


def section(report: scenario.Report, args: argparse.Namespace) -> str:
    def row(label: str, posts: list[scenario.Post]) -> str:
        accepted = [p for p in posts if p.status in (200, 202)]
        lost = [p for p in accepted if p.n in report.lost]
        worst = max((report.first_page.get(p.n, float("inf")) for p in accepted), default=0)
        counts = [len(posts), len(accepted), len(lost), report.duplicates(accepted)]
        return f"| {label} | {' | '.join(map(str, counts))} | {worst:.1f} s |"

    rows = [
        row(what, [p for p in report.posts if at - BEFORE <= p.at <= at + AFTER])
        for at, what in report.faults
    ]
    pages = list(report.first_page.values())
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(report.statuses().items(), key=str))
    return "\n".join([
        BEGIN,
        "## Faults: nothing lost, and the first page within seconds (`bench/faults.py`)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: `python -m bench.faults "
        f"--seconds {args.seconds:g} --rate {args.rate:g}`. PostgreSQL behind a TCP proxy; "
        "gunicorn (2x4), one `qcluster` (2 workers), one `clock`, DEBUG off; the fake Twilio and "
        "Slack fail half their calls at random (a 5xx) for the whole run. Each dispatch pages a "
        "Slack channel (no per-person limit, so every one can be timed) and Alice by SMS. "
        f"A fault's row counts the dispatches posted from {BEFORE:g} s before it to {AFTER:g} s "
        "after; first page = POST sent -> the first request about it at a provider.",
        "",
        "| fault | posted | accepted | lost | duplicate pages | worst first page |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        row("whole run (providers failing 50 %)", report.posts),
        "",
        f"First page over the whole run: p50 {pct(pages, 50):.2f} s, p99 {pct(pages, 99):.2f} s, "
        f"max {max(pages):.2f} s (goal: every one within 20 s). Duplicate pages are channel posts "
        "Slack took twice for one dispatch (at least once: a duplicate after a crash is allowed, "
        f"a loss is not). Answers to the POSTs: {statuses} (503 while the database line was cut; "
        "ConnectionError while the web server was down). `/readyz` during the cut: "
        f"{sorted(set(report.readyz_during_cut))}.",
        "",
        END,
    ])  # fmt: skip


if __name__ == "__main__":
    main()
