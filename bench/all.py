"""Every benchmark, one after the other, as deployed (PostgreSQL, DEBUG off); then the plot.

    make bench        # or: .venv/bin/python -m bench.all [--only faults,escalation]

Each benchmark rewrites its own section of bench/RESULTS.md; bench/plot.py draws
bench/latency.png from what the timing ones measured. Takes about fifteen minutes on 2 cores;
run it on a quiet machine (the figures are wall-clock times).
"""

import argparse
import os
import subprocess
import sys
import time
import uuid

import psycopg

from bench.common import PRODUCTION, RESULTS

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REPO = RESULTS.parent.parent
PYTHON = sys.executable
# (name, command, needs an empty database of its own)
BENCHMARKS = [
    ("oncall", [PYTHON, "-m", "bench.oncall"], True),
    ("ingest", [PYTHON, "-m", "bench.ingest.run"], False),
    ("escalation", [PYTHON, "-m", "bench.escalation"], False),
    ("heartbeats", [PYTHON, "-m", "bench.heartbeats"], False),
    ("dashboard", [PYTHON, "-m", "bench.dashboard"], True),
    ("faults", [PYTHON, "-m", "bench.faults"], False),
    ("scaling", [PYTHON, "-m", "bench.scaling"], False),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated names; default: all")
    args = parser.parse_args()
    chosen = set(filter(None, args.only.split(",")))
    failed = []
    # With DEBUG off the pages name hashed static files, as in production (whitenoise).
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO, env={**os.environ, **PRODUCTION}, check=True,
    )  # fmt: skip
    for name, command, own_database in BENCHMARKS:
        if chosen and name not in chosen:
            continue
        env = {**os.environ, **PRODUCTION}
        database = f"edrops_bench_{name}_{uuid.uuid4().hex[:6]}"
        if own_database:
            _admin(f'CREATE DATABASE "{database}"')
            env["BENCH_DATABASE_URL"] = f"{PG}/{database}"
        print(f"=== {name}: {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        try:
            if subprocess.run(command, cwd=REPO, env=env, check=False).returncode:
                failed.append(name)
        finally:
            if own_database:
                _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        print(f"=== {name}: {time.monotonic() - started:.0f} s", flush=True)
    subprocess.run([PYTHON, "-m", "bench.plot"], cwd=REPO, check=True)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


def _admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(sql)


if __name__ == "__main__":
    main()
