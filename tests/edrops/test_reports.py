"""The reports an ops lead reads after a season (GET /reports) and the CSV kept as evidence
(GET /reports/events.csv), on made-up weeks of history and on a few events set up by hand."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from edrops.models import Event
from edrops.reports.selectors import respond_by_met
from notifications.models import Notification
from rosters.models import Person, Team
from tests.factories import PersonFactory, person_token
from tests.history import make_history

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
HEADER = (
    "id,team,source,market,program,summary,received,first page,acknowledged at,by,via,"
    "resolved,respond-by met"
)


@pytest.fixture
def lead(django_user_model, client):
    user = django_user_model.objects.create_user("lena", password="pw-lena-1")
    PersonFactory(handle="lena", user=user, role="lead")
    client.force_login(user)
    return client


@pytest.fixture
def history():
    return make_history(weeks=4)


def csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0] == HEADER
    return list(csv.DictReader(io.StringIO(text)))


def test_a_lead_sees_four_charts_the_weeks_per_team_and_every_event(lead, history):
    response = lead.get("/reports")

    assert response.status_code == 200
    page = response.content.decode()
    for chart in ("chart-ack", "chart-respond-by", "chart-markets", "chart-load"):
        assert f'id="{chart}"' in page
    assert page.count("<rect ") > 20
    report = response.context["report"]
    shown = {row.id for row in report.events}
    assert len(shown) == report.events_total == len(history.events)
    assert {w.team for w in report.team_weeks} == {"grid-ops", "markets"}
    assert {load.handle for load in report.load} <= {"alice", "bob", "carol", "dan"}
    assert 'href="/reports/events.csv?from=' in page
    assert "Reports" in page  # the menu has it for a lead


def test_the_page_is_for_leads_and_staff_only(client, django_user_model, history):
    assert client.get("/reports").status_code == 302  # to the login
    responder = django_user_model.objects.create_user("rita", password="pw-rita-1")
    client.force_login(responder)
    assert client.get("/reports").status_code == 403
    assert ">Reports</a>" not in client.get("/").content.decode()
    staff = django_user_model.objects.create_user("sam", password="pw-sam-1", is_staff=True)
    client.force_login(staff)
    assert client.get("/reports").status_code == 200


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-13-01", "from", "Enter a date as YYYY-MM-DD, not '2026-13-01'."),
        ("to=yesterday", "to", "Enter a date as YYYY-MM-DD, not 'yesterday'."),
        ("from=20260701", "from", "Enter a date as YYYY-MM-DD, not '20260701'."),
        ("from=1900-01-01", "from", "Must be a date from 1970 to 2200."),
        ("from=2026-07-10&to=2026-07-01", "to", "Must not be before from (2026-07-10)."),
        ("team=nobody", "team", "No team with the slug 'nobody'."),
        ("team=grid%00ops", "team", "No team with the slug 'grid\\x00ops'."),
        (
            "from=%D9%A2%D9%A0%D9%A2%D9%A6-01-01",  # Arabic-Indic digits
            "from",
            "Enter a date as YYYY-MM-DD, not '٢٠٢٦-01-01'.",
        ),
    ],
)
def test_a_period_that_can_t_be_read_is_a_400_that_says_why(lead, query, field, message):
    page = lead.get(f"/reports?{query}")
    assert page.status_code == 400
    assert message.replace("'", "&#x27;") in page.content.decode()

    download = lead.get(f"/reports/events.csv?{query}")
    assert download.status_code == 400
    assert download.json() == {"errors": {field: [message]}}


def test_the_page_shows_at_most_a_year_the_csv_any_period(lead):
    assert lead.get("/reports?from=2024-01-01&to=2026-01-01").status_code == 400
    assert lead.get("/reports/events.csv?from=2024-01-01&to=2026-01-01").status_code == 200


def test_the_csv_has_every_event_of_the_period_and_team_in_the_contract_s_columns(lead, history):
    today = datetime.now(CHICAGO).date()
    first = today - timedelta(days=13)
    response = lead.get(f"/reports/events.csv?from={first}&to={today}&team=grid-ops")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"edrops-events-{first}-to-{today}-grid-ops.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    expected = [
        e
        for e in history.events
        if e.team.slug == "grid-ops" and e.created_at.astimezone(CHICAGO).date() >= first
    ]
    assert [r["id"] for r in rows] == [
        str(e.id) for e in sorted(expected, key=lambda e: (e.created_at, e.id))
    ]
    event = Event.objects.get(pk=rows[0]["id"])
    row = rows[0]
    assert (row["team"], row["source"]) == ("grid-ops", "miso-dispatch")
    assert (row["market"], row["program"], row["summary"]) == (
        event.market,
        event.program,
        event.summary,
    )
    # Times in the team's zone, with the offset.
    assert row["received"] == event.created_at.astimezone(CHICAGO).isoformat()
    assert row["first page"] == event.first_paged_at.astimezone(CHICAGO).isoformat()
    assert {r["respond-by met"] for r in rows} <= {"yes", "no", ""}
    assert "yes" in {r["respond-by met"] for r in rows}


def test_a_scraper_with_a_staff_token_downloads_it_and_a_summary_is_never_a_formula(
    django_user_model, source
):
    staff = django_user_model.objects.create_user("exporter", is_staff=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {person_token(staff)}")
    now = datetime.now(UTC)
    Event.objects.create(
        source=source,
        team=source.team,
        external_id="X-1",
        summary='=HYPERLINK("http://evil.example","click")',
        respond_by=now,
        created_at=now,
        updated_at=now,
    )

    [row] = csv_rows(api.get("/reports/events.csv"))

    assert row["summary"] == '\'=HYPERLINK("http://evil.example","click")'
    assert APIClient().get("/reports/events.csv").status_code == 401


def test_weekly_time_to_acknowledge_and_respond_by_per_team(lead, source):
    """Four MISO dispatches on one Tuesday: acknowledged after 1, 2 and 15 minutes (the last
    past its 10-minute respond-by), and one nobody answered."""
    tuesday = datetime(2026, 7, 14, 12, tzinfo=CHICAGO)
    for n, seconds in enumerate([60, 120, 900, None]):
        at = tuesday + timedelta(hours=n)
        Event.objects.create(
            source=source,
            team=source.team,
            external_id=f"W-{n}",
            summary="MISO LMR dispatch",
            market="MISO",
            program="LMR",
            respond_by=at + timedelta(minutes=10),
            created_at=at,
            updated_at=at,
            acknowledged_at=at + timedelta(seconds=seconds) if seconds else None,
            acknowledged_by_name="alice" if seconds else "",
        )

    report = lead.get("/reports?from=2026-07-13&to=2026-07-19&team=grid-ops").context["report"]

    [week] = report.team_weeks
    assert (week.team, week.week.isoformat(), week.events) == ("grid-ops", "2026-07-13", 4)
    assert (week.median_ack, week.p90_ack) == (120, 900)
    assert (week.met, week.missed) == (2, 2)
    assert dict(week.by_market) == {"MISO LMR": 4}


def test_pages_at_night_are_counted_in_the_person_s_own_time_zone(lead, source):
    alice = Person.objects.create(handle="alice", name="Alice", timezone="America/Chicago")
    carol = Person.objects.create(handle="carol", name="Carol", timezone="Europe/Berlin")
    at = datetime(2026, 7, 14, 23, 30, tzinfo=CHICAGO)  # 06:30 in Berlin the next day
    event = Event.objects.create(
        source=source, team=source.team, external_id="N-1", summary="night",
        respond_by=at, created_at=at, updated_at=at,
    )  # fmt: skip
    for person, sent_at in [(alice, at), (carol, at), (carol, at + timedelta(hours=2))]:
        Notification.objects.create(
            person=person, channel="sms", reference=str(event.pk), state="sent",
            due_at=sent_at, sent_at=sent_at,
        )  # fmt: skip

    report = lead.get("/reports?from=2026-07-13&to=2026-07-19&team=grid-ops").context["report"]

    load = {row.handle: (row.pages, row.at_night) for row in report.load}
    # 23:30 for alice is night; for carol 06:30 is, 08:30 is not.
    assert load == {"alice": (1, 1), "carol": (2, 1)}


@pytest.mark.parametrize(
    ("acked", "closed", "closed_by", "now", "met"),
    [
        (5, None, "", 60, True),
        (15, None, "", 60, False),
        (None, 8, "bob", 60, True),  # resolved by a person in time
        (None, None, "", 60, False),  # nobody answered, the deadline passed
        (None, None, "", 5, None),  # not due yet
        (None, 5, "source:miso", 60, None),  # the source cancelled it in time
        (None, 15, "source:miso", 60, False),  # ... after it was due, unanswered
    ],
)
def test_respond_by_is_met_by_an_answer_from_a_person_in_time(acked, closed, closed_by, now, met):
    t0 = datetime(2026, 7, 14, tzinfo=UTC)

    def minutes(m):
        return None if m is None else t0 + timedelta(minutes=m)

    assert (
        respond_by_met(
            acknowledged_at=minutes(acked),
            closed_at=minutes(closed),
            closed_by=closed_by,
            respond_by=minutes(10),
            now=minutes(now),
        )
        is met
    )


def test_an_event_s_timeline_downloads_as_json_and_csv_from_its_page(client, alice, sender):
    client.force_login(alice.user)
    team = Team.objects.get(slug="grid-ops")
    team.members.add(alice)
    posted = sender.post(
        "/api/v1/events", {"external_id": "T-1", "summary": "MISO LMR"}, format="json"
    )
    event_id = posted.json()["id"]

    page = client.get(f"/events/{event_id}").content.decode()
    assert f'href="/events/{event_id}/timeline.json"' in page
    assert f'href="/events/{event_id}/timeline.csv"' in page

    body = client.get(f"/events/{event_id}/timeline.json").json()
    assert (body["id"], body["external_id"], body["team"]) == (event_id, "T-1", "grid-ops")
    [received] = body["timeline"]
    assert received["kind"] == "received"
    assert received["at"].endswith(("-05:00", "-06:00"))  # Chicago, the team's zone
    text = b"".join(client.get(f"/events/{event_id}/timeline.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["at", "kind", "person", "channel", "detail"]
    assert rows[1][:2] == [received["at"], "received"]
    client.logout()
    assert client.get(f"/events/{event_id}/timeline.csv").status_code == 302
