"""How long the dashboard takes to draw with 100,000 events in the database, in how many
queries, and what an open dashboard's poll costs while nothing changes.

    .venv/bin/python bench/dashboard.py          # a throwaway SQLite file
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/edrops_bench_dashboard \\
        .venv/bin/python bench/dashboard.py      # an *empty* PostgreSQL database you created

As deployed: DEBUG off (bench/common.py's PRODUCTION; static files collected first, as the
pages name their hashed names); `DEBUG=1` in the environment measures with debug on instead
(and then no drawn row is kept: edrops/dashboard/fragments.py).
Fills the database with 100,000 events (bulk): 250 open (half acknowledged), the rest
resolved; then a logged-in responder of the events' team (so every row has its buttons, each
form its CSRF token) asks, through Django's test client (middleware, session, templates; no
network), for the full page, with every cache emptied before each request (a board nobody
drew yet: after a restart, or a zone no other viewer has) and as it comes (the rows the
previous request drew are cached); for the board fragment htmx polls every 2 s when
something on it changed (one event is acknowledged before each request, so a row really is
drawn anew); and for the same poll sending the ETag of the board it shows (nothing changed:
204). The p50/p95 and where a drawn board's time went (SQL, templates, the rest of Python) go
to the dashboard section of bench/RESULTS.md.
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
from bench.common import pct, production_settings, write_section  # noqa: E402

production_settings()  # DEBUG off, as deployed; DEBUG=1 in the environment turns it on
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edrops.settings")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
    f"sqlite:///{tempfile.mkdtemp(prefix='edrops-bench-')}/dashboard.sqlite3"
)

import django  # noqa: E402  (settings must see DATABASE_URL first)

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.backends.django import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

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


class Drawing:
    """The time spent rendering templates, added up (Django's template backend, wrapped)."""

    seconds = 0.0


def _timed_render(template, context=None, request=None, _render=Template.render):
    started = time.perf_counter()
    try:
        return _render(template, context, request)
    finally:
        Drawing.seconds += time.perf_counter() - started


Template.render = _timed_render


class Measured:
    """RUNS requests of one kind: their wall time, SQL time and template time, and the
    queries of the last."""

    def __init__(self) -> None:
        self.total: list[float] = []
        self.sql: list[float] = []
        self.template: list[float] = []
        self.queries = 0

    def request(self, client: Client, **headers):
        Drawing.seconds = 0.0
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/", **headers)
            elapsed = time.perf_counter() - started
        self.total.append(elapsed)
        self.sql.append(sum(float(q["time"]) for q in queries.captured_queries))
        self.template.append(Drawing.seconds)
        self.queries = len(queries)
        return response

    def ms(self, p: float) -> str:
        return f"{pct(self.total, p) * 1000:.0f} ms"

    def spent(self) -> str:
        """Where the median request's time went: SQL, templates, the rest of Python."""
        sql, template = pct(self.sql, 50), pct(self.template, 50)
        rest = pct(self.total, 50) - sql - template
        return f"{sql * 1000:.0f} / {template * 1000:.0f} / {rest * 1000:.0f} ms"


def measure(client: Client, before=lambda: None, **headers) -> Measured:
    """RUNS requests, each after `before()` (not timed)."""
    client.get("/", **headers)  # warm: template compilation, connection
    measured = Measured()
    for _ in range(RUNS):
        before()
        response = measured.request(client, **headers)
        assert response.status_code == 200, response.status_code
    return measured


def empty_caches() -> None:
    for cache in caches.all():
        cache.clear()


def acknowledging(person: Person):
    """Acknowledges the oldest triggered event on the board, one a call: what a poll draws
    after someone pressed a button (the row's state, stage, buttons and line change)."""
    triggered = iter(
        Event.objects.filter(status=Event.Status.TRIGGERED, test=False).order_by("created_at")
    )

    def acknowledge_one() -> None:
        event = next(triggered)
        services.acknowledge(
            event=event, by=person, user=person.user, via="web", at=datetime.now(UTC)
        )

    return acknowledge_one


def unchanged_polls(client: Client) -> Measured:
    """The poll of a board that shows what it would get: dashboard.js sends its ETag. The
    bench's open events were received 30 s apart, so an age on the board moves twice a
    minute; such a poll draws the board again, takes its new ETag, and is not counted."""
    measured, tag = Measured(), client.get("/", HTTP_HX_REQUEST="true")["ETag"]
    while len(measured.total) < RUNS:
        before = len(measured.total)
        response = measured.request(client, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=tag)
        if response.status_code == 200:
            tag = response["ETag"]
            for kind in (measured.total, measured.sql, measured.template):
                del kind[before:]
        else:
            assert response.status_code == 204, response.status_code
    return measured


def main() -> None:
    call_command("migrate", verbosity=0)
    if Event.objects.exists():
        sys.exit("bench/dashboard.py needs an empty database")
    if not settings.DEBUG:  # the pages name the hashed static files, as in production
        call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    fill()
    filled = time.perf_counter() - started
    user = get_user_model().objects.create_user("alice", password="bench-pw-1")  # noqa: S106
    alice = Person.objects.create(
        handle="alice", name="Alice", timezone="America/Chicago", user=user
    )
    alice.teams.add(Team.objects.get())  # a responder of the team: the board has her buttons
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cold = measure(client, before=empty_caches)
    page = measure(client)
    drawn = measure(client, before=acknowledging(alice), HTTP_HX_REQUEST="true")
    unchanged = unchanged_polls(client)
    vendor = connection.vendor
    when = f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}"
    debug = "DEBUG on" if settings.DEBUG else "DEBUG off"

    def row(what: str, measured: Measured, spent: str) -> str:
        return (
            f"| {vendor} | {what} | {measured.queries} | {measured.ms(50)} | {measured.ms(95)} "
            f"| {spent} | {when}, {debug}, {os.cpu_count()} cores shared |"
        )

    section = "\n".join(
        [
            BEGIN,
            "## dashboard: `/` with 100,000 events (`bench/dashboard.py`)",
            "",
            f"{TOTAL:,} events ({OPEN} open, half of them acknowledged; the rest resolved), "
            f"filled with bulk_create in {filled:.0f} s; a logged-in responder's `GET /` "
            "(the full page; that responder is a member of the events' team, so each row has "
            "its buttons), with every cache emptied before each request and as it comes; the "
            "board fragment htmx polls every 2 s (`HX-Request`) when something on it changed "
            "(an event acknowledged before each request; drawn again: 200 with a new ETag); "
            "and the same poll "
            "when nothing did (it sends the ETag of the board it shows: 204, no body). "
            f"{RUNS} requests each through Django's test client. The board shows the 200 "
            "oldest open events and the 20 most recently closed; the query count is the same "
            "for 3 events (asserted in `tests/edrops/test_dashboard_scale.py`). *Spent*: the "
            "median request's SQL / templates / rest of Python (middleware, session, building "
            "the rows).",
            "",
            "| database | what | queries | p50 | p95 | spent | measured |",
            "|---|---|---|---|---|---|---|",
            row("full page, caches empty", cold, cold.spent()),
            row("full page", page, page.spent()),
            row("fragment, changed", drawn, drawn.spent()),
            row("poll, unchanged (204)", unchanged, unchanged.spent()),
            END,
        ]
    )
    write_section(begin=BEGIN, end=END, section=section, keep_rows_except=vendor)


if __name__ == "__main__":
    main()
