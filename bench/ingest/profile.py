"""Where a POST /api/v1/events spends its time: every SQL statement, timed, per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch db> \\
        .venv/bin/python -m bench.ingest.profile [--requests 200]

Runs in-process (Django test client, DEBUG off) against a migrated database; prints the
average milliseconds per request of each statement and COMMIT (an autocommitted statement
includes its own commit), and what is left (Python).
"""

import argparse
import collections
import json
import os
import re
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ingest.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-insecure-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402

from bench.ingest.run import EXAMPLE  # noqa: E402
from edrops import services  # noqa: E402
from rosters.models import Team  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    team, _ = Team.objects.get_or_create(slug="grid-ops", defaults={"name": "Grid Ops"})
    services.upsert_source(name="profile", team=team, token="profile-token", rate_limit=10**9)  # noqa: S106
    client = Client()
    costs: dict[str, list[float]] = collections.defaultdict(list)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            costs[re.sub(r'"s\d+_x\d+"', "<name>", sql)[:80]].append(time.perf_counter() - started)

    def post(path: str, n: int, **headers) -> float:
        started = time.perf_counter()
        for _ in range(n):
            body = json.dumps({**EXAMPLE, "external_id": f"PROFILE-{uuid.uuid4()}"})
            response = client.post(path, body, content_type="application/json", **headers)
            assert response.status_code in (201, 202), response.content
        return (time.perf_counter() - started) / n * 1000

    # COMMIT is not a statement the wrapper sees: time it where Django sends it.
    original_commit = type(connections["default"]).commit

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return original_commit(self)
        finally:
            costs["COMMIT"].append(time.perf_counter() - started)

    type(connections["default"]).commit = timed_commit
    auth = {"HTTP_AUTHORIZATION": "Bearer profile-token"}
    post("/api/v1/events", 20, **auth)  # warm up
    for path, headers in (("/bench/baseline", {}), ("/api/v1/events", auth)):
        costs.clear()
        with connection.execute_wrapper(timed):
            total = post(path, args.requests, **headers)
        print(f"\n{path}: {total:.2f} ms per request")
        statements = 0.0
        for sql, times in sorted(costs.items(), key=lambda kv: -sum(kv[1])):
            per_request = sum(times) / args.requests * 1000
            statements += per_request
            print(f"  {per_request:6.2f} ms  x{len(times) / args.requests:.0f}  {sql}")
        print(f"  {total - statements:6.2f} ms  the rest: Python, connection checks")


if __name__ == "__main__":
    main()
