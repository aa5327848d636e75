"""How long the dashboard takes to render with 100,000 events in the database, and in how
many queries.

    .venv/bin/python bench/dashboard.py          # a throwaway SQLite file
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/edrops_bench_dashboard \\
        .venv/bin/python bench/dashboard.py      # an *empty* PostgreSQL database you created

Fills the database with 100,000 events (bulk): 250 open (half acknowledged), the rest
resolved; then a logged-in responder asks for the full page and for the fragment htmx polls
every 2 s, through Django's test client (middleware, session, templates; no network), and
the p50/p95 go to the dashboard section of bench/RESULTS.md.
"""

import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- bench/dashboard: begin -->", "<!-- bench/dashboard: end -->"
TOTAL, OPEN, RUNS = 100_000, 250, 60

sys.path.insert(0, str(REPO))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edrops.settings")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
    f"sqlite:///{tempfile.mkdtemp(prefix='edrops-bench-')}/dashboard.sqlite3"
)

import django  # noqa: E402  (settings must see DATABASE_URL first)

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.common import pct, write_section  # noqa: E402
from edrops import services  # noqa: E402
from edrops.models import Event  # noqa: E402
from rosters.models import Person, Team  # noqa: E402


def fill() -> None:
    team = Team.objects.create(slug="grid-ops", name="Grid Operations", timezone="America/Chicago")
    source, _ = services.upsert_source(name="miso-dispatch", team=team, token="bench-token-1")  # noqa: S106
    now = datetime.now(UTC)
    policy = {"steps": [{"wait": 120, "targets": ["rotation:primary"]}], "repeat": 0}
    for start in range(0, TOTAL, 5_000):
        rows = []
        for i in range(start, min(TOTAL, start + 5_000)):
            at = now - timedelta(seconds=(TOTAL - i) * 30)
            is_open = i >= TOTAL - OPEN
            acked = is_open and i % 2 == 0
            rows.append(
                Event(
                    source=source,
                    team=team,
                    external_id=f"bench-{i}",
                    summary=f"MISO LMR scheduling instruction {i}: curtail 12.5 MW in LRZ 4",
                    market="MISO",
                    program="LMR",
                    mw=12.5,
                    location="LRZ 4",
                    test=i % 50 == 0,
                    respond_by=at + timedelta(minutes=10),
                    created_at=at,
                    updated_at=at,
                    status=(
                        Event.Status.ACKNOWLEDGED
                        if acked
                        else Event.Status.TRIGGERED
                        if is_open
                        else Event.Status.RESOLVED
                    ),
                    policy=policy,
                    step_index=1,
                    last_step_at=at,
                    paging=["alice", "bob"],
                    acknowledged_at=None if is_open and not acked else at,
                    acknowledged_by_name="" if is_open and not acked else "alice",
                    acknowledged_via="" if is_open and not acked else "sms",
                    closed_at=None if is_open else at + timedelta(minutes=5),
                    closed_by_name="" if is_open else "alice",
                    closed_via="" if is_open else "web",
                )
            )
        Event.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE edrops_event")
        else:
            cursor.execute("ANALYZE")


def timed(client: Client, **headers) -> tuple[list[float], int]:
    client.get("/", **headers)  # warm: template compilation, connection
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/", **headers)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return timings, len(queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    if Event.objects.exists():
        sys.exit("bench/dashboard.py needs an empty database")
    started = time.perf_counter()
    fill()
    filled = time.perf_counter() - started
    user = get_user_model().objects.create_user("alice", password="bench-pw-1")  # noqa: S106
    Person.objects.create(handle="alice", name="Alice", timezone="America/Chicago", user=user)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    page, page_queries = timed(client)
    fragment, fragment_queries = timed(client, HTTP_HX_REQUEST="true")
    vendor = connection.vendor
    when = f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}"

    def row(what, timings, queries):
        return (
            f"| {vendor} | {what} | {queries} | {pct(timings, 50) * 1000:.0f} ms "
            f"| {pct(timings, 95) * 1000:.0f} ms | {when}, {os.cpu_count()} cores shared |"
        )

    section = "\n".join(
        [
            BEGIN,
            "## dashboard: `/` with 100,000 events (`bench/dashboard.py`)",
            "",
            f"{TOTAL:,} events ({OPEN} open, half of them acknowledged; the rest resolved), "
            f"filled with bulk_create in {filled:.0f} s; a logged-in responder's `GET /` "
            f"(the full page) and the fragment htmx polls every 2 s (`HX-Request`), {RUNS} "
            "requests each through Django's test client. The board shows the 200 oldest open "
            "events and the 20 most recently closed; the query count is the same for 3 "
            "events (asserted in `tests/edrops/test_dashboard_scale.py`).",
            "",
            "| database | what | queries | p50 | p95 | measured |",
            "|---|---|---|---|---|---|",
            row("full page", page, page_queries),
            row("fragment", fragment, fragment_queries),
            END,
        ]
    )
    write_section(begin=BEGIN, end=END, section=section, keep_rows_except=vendor)


if __name__ == "__main__":
    main()
