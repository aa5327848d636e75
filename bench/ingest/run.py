"""Benchmark POST /api/v1/events against a minimal DRF insert endpoint, in the same run.

    .venv/bin/python -m bench.ingest.run [--seconds 10] [--rounds 5] [--concurrency 8]

Migrates a fresh PostgreSQL database, starts gunicorn as the Dockerfile does (3 workers x 4
threads) on loopback with DEBUG off, and drives both endpoints with a small threaded keep-alive
client, alternating baseline / ours for several rounds so that noise from other processes on
the machine hits both; the ratio is of the totals, and the spread of the rounds' ratios is
written beside it. Each
request is a new MISO dispatch (a new event: the full path with its revision, timeline entry and
queued escalation step). Writes the numbers to bench/RESULTS.md between this benchmark's
markers.
"""

import argparse
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from bench.common import Load, pct, post_many, write_section

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((REPO / "edrops" / "api" / "examples" / "miso-lmr-dispatch.json").read_text())
TOKEN = "bench-source-token"  # noqa: S105 -- a throwaway database's source
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BEGIN, END = "<!-- bench/ingest: begin -->", "<!-- bench/ingest: end -->"


def drive(port: int, path: str, headers: dict, seconds: float, concurrency: int) -> Load:
    def requests():
        for n in itertools.count():
            body = json.dumps({**EXAMPLE, "external_id": f"BENCH-{n}-{uuid.uuid4()}"})
            yield path, headers, body

    return post_many(port=port, requests=requests(), clients=concurrency, seconds=seconds)


def merge(loads: list[Load]) -> Load:
    return Load(
        latencies=[t for load in loads for t in load.latencies],
        errors=sum(load.errors for load in loads),
        seconds=sum(load.seconds for load in loads),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    args = parser.parse_args()

    if not args.port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            args.port = s.getsockname()[1]
    dbname = f"edrops_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{dbname}",
        "DJANGO_SETTINGS_MODULE": "bench.ingest.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-insecure-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    server = None
    try:
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
        setup = (
            "from rosters.models import Team; from edrops import services; "
            "t = Team.objects.create(slug='grid-ops', name='Grid Ops'); "
            # A limit that never bites, so the limiter's UPDATE is measured but never refuses.
            f"services.upsert_source(name='bench', team=t, token='{TOKEN}', rate_limit=10**9)"
        )
        subprocess.run([python, "manage.py", "shell", "-c", setup], cwd=REPO, env=env, check=True)
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "edrops.wsgi", "--bind", f"127.0.0.1:{args.port}",
             "--workers", "3", "--threads", "4", "--log-level", "warning"],
            cwd=REPO, env=env, start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            if server.poll() is not None:
                raise SystemExit("gunicorn exited; see its output above")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        ours_headers = {"Authorization": f"Bearer {TOKEN}"}
        # Warm both paths (imports, connections) before measuring.
        drive(args.port, "/bench/baseline", {}, 1.0, args.concurrency)
        drive(args.port, "/api/v1/events", ours_headers, 1.0, args.concurrency)
        baseline, ours = [], []
        for _ in range(args.rounds):
            baseline.append(drive(args.port, "/bench/baseline", {}, args.seconds, args.concurrency))
            ours.append(
                drive(args.port, "/api/v1/events", ours_headers, args.seconds, args.concurrency)
            )
        base, mine = merge(baseline), merge(ours)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    ratio = mine.rate / base.rate
    rounds = sorted(o.rate / b.rate for o, b in zip(ours, baseline, strict=True))
    rows = [
        "| endpoint | events/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {label} | {p.rate:.0f} | {pct(p.latencies, 50) * 1000:.1f} "
            f"| {pct(p.latencies, 99) * 1000:.1f} | {p.errors} |"
            for label, p in (("`POST /api/v1/events`", mine), ("baseline DRF insert", base))
        ),
    ]
    section = "\n".join(
        [
            BEGIN,
            "## Ingest: `POST /api/v1/events` vs a minimal DRF insert (`bench/ingest`)",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
            f"`python -m bench.ingest.run --seconds {args.seconds:g} --rounds {args.rounds} "
            f"--concurrency {args.concurrency}`. PostgreSQL, gunicorn 3 workers x 4 threads "
            f"(as the Dockerfile), DEBUG off, {args.concurrency} keep-alive clients on loopback, "
            f"{args.rounds} x {args.seconds:g} s per endpoint (alternating), "
            "every request a new MISO dispatch.",
            "",
            *rows,
            "",
            f"**Ratio (ours / baseline events/s): {ratio:.2f}** (goal >= 0.6); "
            f"rounds from {rounds[0]:.2f} to {rounds[-1]:.2f}.",
            "",
            END,
        ]
    )
    write_section(begin=BEGIN, end=END, section=section)


if __name__ == "__main__":
    main()
