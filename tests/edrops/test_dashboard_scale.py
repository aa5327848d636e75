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

TOTAL = 100_000
OPEN = OPEN_LIMIT + 50  # more than the board shows, so the count query is exercised too
# session, user, person, open page, open count, closed page, check-ins, sources; a few spare
# for the session/messages machinery. What matters: the same number for 3 events or 100,000.
MAX_QUERIES = 12


def fill(*, source, total: int, open_: int) -> None:
    now = timezone.now()
    statuses = [Event.Status.TRIGGERED, Event.Status.ACKNOWLEDGED]

    def event(i: int) -> Event:
        at = now - timedelta(seconds=total - i)
        is_open = i >= total - open_
        status = statuses[i % 2] if is_open else Event.Status.RESOLVED
        return Event(
            source=source,
            team=source.team,
            external_id=f"bulk-{i}",
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
    fill(source=source, total=TOTAL, open_=OPEN)
    with django_assert_max_num_queries(MAX_QUERIES):
        page = client.get("/")
    many = board_queries(client)

    # The open events outnumber the board here, so their count is one more query.
    assert many == (few[0] + 1, few[1] + 1)
    text = page.content.decode()
    assert f"Showing the {OPEN_LIMIT} oldest of {OPEN} open events" in text
    assert text.count('class="event ') == OPEN_LIMIT + 20  # the open page and 20 closed
