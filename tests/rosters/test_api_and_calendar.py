"""`GET /api/v1/teams/<slug>/oncall` and the iCal feeds, as a client sees them."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.factories import PersonFactory, TeamFactory, person_token
from tests.rosters.factories import override, rotation

pytestmark = pytest.mark.django_db

WEEK = timedelta(weeks=1)


@pytest.fixture
def grid_ops():
    alice, bob, carol = (PersonFactory(handle=h) for h in ("alice", "bob", "carol"))
    team = TeamFactory(slug="grid-ops", members=[alice, bob])
    primary = rotation(team=team, people=[alice, bob], start="2026-10-26T09:00", shift=WEEK)
    rotation(team=team, name="weekend", people=[], start="2026-10-26T09:00", shift=WEEK)
    override(rotation=primary, person=carol, start="2026-11-26T09:00", end="2026-11-27T09:00")
    return team


@pytest.fixture
def client():
    user = get_user_model().objects.create_user("ops")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return api


def test_who_is_on_call_at_0300_the_night_dst_ends(client, grid_ops):
    answer = client.get("/api/v1/teams/grid-ops/oncall", {"at": "2026-11-01T03:00:00-06:00"})
    assert answer.status_code == 200
    assert answer.json() == {
        "team": "grid-ops",
        "at": "2026-11-01T03:00:00-06:00",
        "on_call": [
            {
                "person": "alice",
                "rotation": "primary",
                "until": "2026-11-02T09:00:00-06:00",
                "override": False,
            },
            {"person": None, "rotation": "weekend", "until": None, "override": False},
        ],
    }


def test_an_unescaped_plus_in_the_offset_still_reads_right(client, grid_ops):
    # `?at=2026-11-26T16:00:00+01:00` typed into a shell arrives with a space for the '+'.
    answer = client.get("/api/v1/teams/grid-ops/oncall?at=2026-11-26T16:00:00+01:00")
    assert answer.status_code == 200
    assert answer.json()["on_call"][0] == {
        "person": "carol",
        "rotation": "primary",
        "until": "2026-11-27T09:00:00-06:00",
        "override": True,
    }


def test_at_defaults_to_now(client, grid_ops):
    with time_machine.travel(datetime(2026, 11, 10, 12, 0, tzinfo=UTC), tick=False):
        answer = client.get("/api/v1/teams/grid-ops/oncall").json()
    assert answer["at"] == "2026-11-10T06:00:00-06:00"
    assert answer["on_call"][0]["person"] == "alice"


@pytest.mark.parametrize("at", ["yesterday", "2026-11-01T03:00", "2026-13-01T03:00:00Z"])
def test_a_bad_or_offsetless_at_is_a_400_that_says_what_to_send(client, grid_ops, at):
    answer = client.get("/api/v1/teams/grid-ops/oncall", {"at": at})
    assert answer.status_code == 400
    assert "with an offset" in answer.json()["errors"]["at"][0]


@pytest.mark.parametrize(
    "at", ["9999-12-31T00:00:00Z", "0001-01-01T00:00:00+05:00", "2200-01-01T00:00:00Z"]
)
def test_an_at_outside_1970_to_2200_is_a_400_not_an_overflow(client, grid_ops, at):
    answer = client.get("/api/v1/teams/grid-ops/oncall", {"at": at})

    assert answer.status_code == 400
    assert "from 1970 to 2200" in answer.json()["errors"]["at"][0]


def test_an_unknown_team_is_404_and_strangers_are_401(client, grid_ops):
    assert client.get("/api/v1/teams/nope/oncall").status_code == 404
    assert APIClient().get("/api/v1/teams/grid-ops/oncall").status_code == 401


def test_the_openapi_schema_describes_the_on_call_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/teams/{slug}/oncall" in schema["paths"]


def events(body: bytes) -> list:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


@time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_person_subscribes_to_their_own_shifts_by_a_private_link(client, grid_ops):
    alice = grid_ops.members.get(handle="alice")
    feed = client.get(f"/calendar/{alice.calendar_token}/me.ics")
    assert feed["Content-Type"].startswith("text/calendar")
    shifts = events(feed.content)
    starts = [e.decoded("dtstart").astimezone(UTC) for e in shifts]
    ends = [e.decoded("dtend").astimezone(UTC) for e in shifts]

    def utc(month, day, hour):
        return datetime(2026 + (month < 6), month, day, hour, tzinfo=UTC)

    # From a week back to 8 weeks ahead: her weeks, cut where Carol covers Thanksgiving.
    assert list(zip(starts, ends, strict=True)) == [
        (utc(11, 13, 0), utc(11, 16, 15)),  # the feed starts a week back, mid-shift
        (utc(11, 23, 15), utc(11, 26, 15)),
        (utc(11, 27, 15), utc(11, 30, 15)),
        (utc(12, 7, 15), utc(12, 14, 15)),
        (utc(12, 21, 15), utc(12, 28, 15)),
        (utc(1, 4, 15), utc(1, 11, 15)),
    ]
    # Refreshing later the same day gives the same events (calendar apps match them by UID).
    with time_machine.travel(datetime(2026, 11, 20, 23, 0, tzinfo=UTC), tick=False):
        again = events(client.get(f"/calendar/{alice.calendar_token}/me.ics").content)
    assert [e.get("uid") for e in again] == [e.get("uid") for e in shifts]
    assert all("(Alice)" in e.get("summary") for e in shifts)
    assert all(e.get("summary").startswith("On call: ") for e in shifts)


@time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_team_feed_shows_everyone_including_overrides_and_no_empty_stretches(client, grid_ops):
    bob = grid_ops.members.get(handle="bob")
    shifts = events(client.get(f"/calendar/{bob.calendar_token}/teams/grid-ops.ics").content)
    summaries = [str(e.get("summary")) for e in shifts]
    assert any("(Carol)" in s and "[override]" in s for s in summaries)
    assert not any("nobody" in s for s in summaries)
    assert {e.decoded("dtend") - e.decoded("dtstart") for e in shifts} >= {timedelta(days=1)}


def test_a_calendar_link_with_a_wrong_token_shows_nothing(client, grid_ops):
    assert client.get("/calendar/not-a-token/me.ics").status_code == 404
    assert client.get("/calendar/not-a-token/teams/grid-ops.ics").status_code == 404
