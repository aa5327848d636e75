"""How long `on_call` takes for 500 teams, and in how many queries.

    .venv/bin/python bench/oncall.py            # a throwaway SQLite file
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/edrops_bench_oncall \\
        .venv/bin/python bench/oncall.py        # an *empty* PostgreSQL database you created

Builds 500 teams with two weekly rotations of four people each and an override on every
tenth, asks who is on call for all of them at once (as the admin's team list and a dashboard
do), and writes the result to the rosters section of bench/RESULTS.md.
"""

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import production_settings, write_section

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- rosters:oncall begin -->", "<!-- rosters:oncall end -->"
TEAMS, RUNS = 500, 7

sys.path.insert(0, str(REPO))
production_settings()  # DEBUG off, as deployed; DEBUG=1 in the environment turns it on
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edrops.settings")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
    f"sqlite:///{tempfile.mkdtemp(prefix='edrops-bench-')}/oncall.sqlite3"
)

import django  # noqa: E402  (settings must see DATABASE_URL first)

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rosters.models import Override, Person, Rotation, RotationMember, Team  # noqa: E402
from rosters.selectors import on_call_for_teams  # noqa: E402


def build() -> list[Team]:
    people = Person.objects.bulk_create(
        Person(
            handle=f"p{i}", name=f"Person {i}", timezone="America/Chicago", phone=f"+1312555{i:04}"
        )
        for i in range(TEAMS * 2)
    )
    teams = Team.objects.bulk_create(
        Team(slug=f"team-{i:03}", name=f"Team {i}", timezone="America/Chicago")
        for i in range(TEAMS)
    )
    zones = ["America/Chicago", "Europe/Berlin", "Australia/Sydney", "UTC"]
    rotations = Rotation.objects.bulk_create(
        Rotation(
            team=team,
            name=name,
            timezone=zones[i % len(zones)],
            start_date=date(2026, 1, 5),
            start_time=datetime(2026, 1, 5, 9).time(),
            shift=timedelta(weeks=1) if name == "primary" else timedelta(hours=12),
        )
        for i, team in enumerate(teams)
        for name in ("primary", "secondary")
    )
    RotationMember.objects.bulk_create(
        RotationMember(rotation=r, person=people[(i * 3 + k) % len(people)], position=k)
        for i, r in enumerate(rotations)
        for k in range(4)
    )
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    Override.objects.bulk_create(
        Override(
            rotation=r,
            person=people[i % len(people)],
            starts_at=at - timedelta(hours=2),
            ends_at=at + timedelta(hours=6),
        )
        for i, r in enumerate(rotations)
        if i % 20 == 0
    )
    return list(Team.objects.all())


def main() -> None:
    call_command("migrate", verbosity=0)
    if Team.objects.exists():
        sys.exit("bench/oncall.py needs an empty database")
    teams = build()
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            answers = on_call_for_teams(teams=teams, at=at)
            timings.append(time.perf_counter() - started)
    assert len(answers) == TEAMS
    assert all(len(a) == 2 for a in answers.values())
    median = statistics.median(timings)
    vendor = connection.vendor
    section = "\n".join(
        [
            BEGIN,
            "## rosters: `on_call` for 500 teams (`bench/oncall.py`)",
            "",
            f"{TEAMS} teams x 2 rotations (weekly and 12-hour, four zones) x 4 people, an "
            "override on every 20th rotation; `on_call_for_teams(teams=all, at=...)`, "
            f"median of {RUNS} runs.",
            "",
            "| database | queries | median | per team | measured |",
            "|---|---|---|---|---|",
            f"| {vendor} | {len(queries)} | {median * 1000:.0f} ms | {median / TEAMS * 1e6:.0f} µs "
            f"| {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores shared |",
            END,
        ]
    )
    write_section(begin=BEGIN, end=END, section=section, keep_rows_except=vendor)


if __name__ == "__main__":
    main()
