"""The dashboard's cost does not grow with the number of events: with 100,000 in the database
(a year of alerts), the board is a fixed handful of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edrops.dashboard.selectors import OPEN_LIMIT
from edrops.models import Event

pytestmark = pytest.mark.django_db

TOTAL = 100_000  # closed ones; the open ones come on top
SEED = 1_000
OPEN = OPEN_LIMIT + 50  # more than the board shows, so the count query is exercised too
# The page: session, user, person, open page, open count, closed page, the viewer's buttons,
# maintenance windows, VTNs, check-ins, sources, coverage gaps, and the menu's two "is this a
# lead?" (audit log, reports). The board's poll, drawn, skips the menu and reads the board's
# version first (edrops/dashboard/board_version.py): one fewer. What matters: the same number
# for 3 events or 100,000.
MAX_QUERIES = 14


def fill(*, source, total: int, open_: int, name: str = "bulk") -> None:
    now = timezone.now()
    statuses = [Event.Status.TRIGGERED, Event.Status.ACKNOWLEDGED]

    def event(i: int) -> Event:
        at = now - timedelta(seconds=total - i)
        is_open = i >= total - open_
        status = statuses[i % 2] if is_open else Event.Status.RESOLVED
        return Event(
            source=source,
            team=source.team,
            external_id=f"{name}-{i}",
            summary=f"MISO LMR scheduling instruction {i}",
            market="MISO",
            program="LMR",
            mw=12.5,
            location="LRZ 4",
            respond_by=at + timedelta(minutes=10),
            created_at=at,
            updated_at=at,
            status=status,
            policy={"steps": [{"wait": 120, "targets": ["rotation:primary"]}], "repeat": 0},
            last_step_at=at,
            step_index=1,
            paging=["alice"],
            acknowledged_at=at if status != Event.Status.TRIGGERED else None,
            acknowledged_by_name="alice" if status != Event.Status.TRIGGERED else "",
            acknowledged_via="sms" if status != Event.Status.TRIGGERED else "",
            closed_at=at + timedelta(minutes=5) if not is_open else None,
            closed_by_name="alice" if not is_open else "",
            closed_via="web" if not is_open else "",
        )

    batch = 5_000
    for start in range(0, total, batch):
        Event.objects.bulk_create([event(i) for i in range(start, min(total, start + batch))])


def copy_events(*, times: int) -> None:
    """Every event `times` more times, in the database: 100,000 rows in a second or two
    instead of the better part of a minute through Python objects."""
    columns = [f.column for f in Event._meta.concrete_fields]
    table = connection.ops.quote_name(Event._meta.db_table)
    if connection.vendor == "postgresql":
        new_id, series = "gen_random_uuid()", f"generate_series(1, {times}) AS copies(n)"
        prefix = ""
    else:  # SQLite keeps a UUID as 32 hex digits
        new_id, series = "lower(hex(randomblob(16)))", "copies"
        prefix = (
            f"WITH RECURSIVE copies(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copies "  # noqa: S608
            f"WHERE n < {times}) "
        )
    picked = [
        new_id if c == "id" else "external_id || '-' || n" if c == "external_id" else c
        for c in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            # Only our own column names and an int: nothing from outside.
            f"{prefix}INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(picked)} FROM {table}, {series}"
        )


def board_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as page:
        assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as fragment:
        assert client.get("/", HTTP_HX_REQUEST="true").status_code == 200
    return len(page), len(fragment)


def test_the_board_costs_the_same_few_queries_for_3_events_or_100000(
    source, alice, client, django_assert_max_num_queries
):
    client.force_login(alice.user)
    fill(source=source, total=3, open_=2)
    few = board_queries(client)

    Event.objects.all().delete()
    fill(source=source, total=SEED, open_=0)
    copy_events(times=TOTAL // SEED - 1)
    fill(source=source, total=OPEN, open_=OPEN, name="open")
    assert Event.objects.count() == TOTAL + OPEN
    with django_assert_max_num_queries(MAX_QUERIES):
        page = client.get("/")
    many = board_queries(client)

    # The open events outnumber the board here, so their count is one more query.
    assert many == (few[0] + 1, few[1] + 1)
    text = page.content.decode()
    assert f"Showing the {OPEN_LIMIT} oldest of {OPEN} open events" in text
    assert text.count('class="event ') == OPEN_LIMIT + 20  # the open page and 20 closed
