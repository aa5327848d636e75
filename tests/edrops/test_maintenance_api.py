"""POST, GET and DELETE /api/v1/maintenance as an ops lead's script uses them: plan a window,
find it listed, end it early; and every way a body can be wrong answered with a 400 naming the
field, nothing planned. Times are relative to now (any day of the year)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from edrops import services
from edrops.models import MaintenanceWindow
from tests.factories import PersonFactory, TeamFactory, person_token

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return client


@pytest.fixture
def grid_ops(db):
    return TeamFactory(slug="grid-ops", timezone="America/Chicago")


@pytest.fixture
def feed(grid_ops):
    return services.upsert_source(name="miso-dispatch", team=grid_ops, token="miso-t")[0]


@pytest.fixture
def lena(django_user_model):
    """An ops lead: plans windows for any team."""
    user = django_user_model.objects.create_user("lena")
    PersonFactory(handle="lena", user=user, role="lead")
    return client_of(user)


@pytest.fixture
def bob(django_user_model, grid_ops):
    """A responder on grid-ops."""
    user = django_user_model.objects.create_user("bob")
    grid_ops.members.add(PersonFactory(handle="bob", user=user))
    return client_of(user)


def soon(minutes: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def body(**changes) -> dict:
    return {
        "name": "MISO EMS upgrade",
        "starts_at": soon(-1),
        "ends_at": soon(120),
        "source": "miso-dispatch",
        "mode": "silent",
        **changes,
    }


def test_a_lead_plans_a_window_finds_it_listed_and_ends_it_early(lena, feed):
    planned = lena.post("/api/v1/maintenance", body(), format="json")
    assert planned.status_code == 201, planned.content
    window = planned.json()
    assert window["name"] == "MISO EMS upgrade"
    assert (window["source"], window["team"], window["match"]) == ("miso-dispatch", None, None)
    assert window["mode"] == "silent"
    assert window["active"] is True
    assert window["created_by"] == "lena"
    assert window["url"] == f"/api/v1/maintenance/{window['id']}"
    assert window["occurrence"]["ends_at"] == window["ends_at"]

    listed = lena.get("/api/v1/maintenance").json()
    assert [w["id"] for w in listed["results"]] == [window["id"]]
    assert listed["count"] == 1

    ended = lena.delete(window["url"])
    assert ended.status_code == 200, ended.content
    assert ended.json()["active"] is False
    assert ended.json()["ended_by"] == "lena"
    assert ended.json()["occurrence"] is None
    assert lena.get("/api/v1/maintenance").json()["results"] == []
    assert lena.delete(window["url"]).status_code == 200, "ending it again changes nothing"
    assert lena.delete("/api/v1/maintenance/999999").status_code == 404


def test_upcoming_windows_are_listed_after_the_active_ones_with_their_next_occurrence(lena, feed):
    later = lena.post(
        "/api/v1/maintenance",
        body(name="later", starts_at=soon(600), ends_at=soon(660)),
        format="json",
    ).json()
    now_on = lena.post("/api/v1/maintenance", body(name="now on"), format="json").json()
    over = body(name="over", starts_at=soon(-60), ends_at=soon(-30))
    assert lena.post("/api/v1/maintenance", over, format="json").status_code == 400
    results = lena.get("/api/v1/maintenance").json()["results"]
    assert [(w["name"], w["active"]) for w in results] == [("now on", True), ("later", False)]
    assert results[1]["occurrence"] == {
        "starts_at": later["starts_at"],
        "ends_at": later["ends_at"],
    }
    assert now_on["id"] != later["id"]


def test_a_weekly_window_in_a_zone_is_written_in_local_time_and_keeps_it(lena, grid_ops):
    answer = lena.post(
        "/api/v1/maintenance",
        {
            "name": "Sunday EMS patching",
            "team": "grid-ops",
            "mode": "slack",
            "starts_at": "2026-10-25T01:00",
            "ends_at": "2026-10-25T05:00",
            "time_zone": "America/Chicago",
            "rrule": "RRULE:FREQ=WEEKLY;BYDAY=SU",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    window = answer.json()
    assert window["starts_at"] == "2026-10-25T01:00:00-05:00"
    assert window["rrule"] == "FREQ=WEEKLY;BYDAY=SU"
    occurrence = window["occurrence"]
    starts = datetime.fromisoformat(occurrence["starts_at"])
    assert (starts.weekday(), starts.hour, starts.minute) == (6, 1, 0), "a Sunday, 01:00 local"
    assert datetime.fromisoformat(occurrence["ends_at"]).hour == 5
    assert starts >= datetime.now(UTC) - timedelta(hours=4)


def test_a_responder_plans_for_their_own_team_only_and_not_a_matcher(bob, feed):
    assert bob.post("/api/v1/maintenance", body(), format="json").status_code == 201
    TeamFactory(slug="market-ops")
    refused = bob.post(
        "/api/v1/maintenance",
        {k: v for k, v in body(team="market-ops").items() if k != "source"},
        format="json",
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "You can't set a maintenance window for this: you are not a member of team market-ops "
        "(a lead or a member of it can)."
    )
    matcher = {k: v for k, v in body(match={"market": "MISO"}).items() if k != "source"}
    refused = bob.post("/api/v1/maintenance", matcher, format="json")
    assert refused.status_code == 403
    assert "every team is for a lead or staff" in refused.json()["detail"]
    assert MaintenanceWindow.objects.count() == 1


def test_a_responder_may_not_end_another_teams_window(lena, bob, feed):
    other = TeamFactory(slug="market-ops")
    theirs = {k: v for k, v in body(team=other.slug).items() if k != "source"}
    window = lena.post("/api/v1/maintenance", theirs, format="json").json()
    assert bob.delete(window["url"]).status_code == 403
    assert MaintenanceWindow.objects.get(pk=window["id"]).ended_at is None


def test_sources_and_strangers_get_nothing(feed):
    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    assert sender.get("/api/v1/maintenance").status_code in (401, 403)
    assert sender.post("/api/v1/maintenance", body(), format="json").status_code in (401, 403)
    assert APIClient().get("/api/v1/maintenance").status_code == 401
    assert MaintenanceWindow.objects.count() == 0


def without(name: str) -> dict:
    return {k: v for k, v in body().items() if k != name}


HOSTILE = [
    ("ends before it starts", body(ends_at=soon(-2)), "ends_at", "after starts_at"),
    ("ends as it starts", body(ends_at=body()["starts_at"]), "ends_at", "after starts_at"),
    ("no offset, no zone", body(starts_at="2030-01-01T01:00"), "starts_at", "offset"),
    ("not a time", body(starts_at="next sunday"), "starts_at", "ISO 8601"),
    ("month 13", body(starts_at="2030-13-01T00:00Z"), "starts_at", "ISO 8601"),
    ("year 9999", body(ends_at="9999-12-31T23:59:59+14:00"), "ends_at", "1970 to 2200"),
    ("a year long", body(ends_at=soon(60 * 24 * 400)), "ends_at", "366 days"),
    ("a bad rrule", body(rrule="FREQ=FORTNIGHTLY"), "rrule", "FREQ must be one of"),
    ("a bad BYDAY", body(rrule="FREQ=WEEKLY;BYDAY=XX"), "rrule", "Not an RRULE"),
    ("minutely", body(rrule="FREQ=MINUTELY"), "rrule", "at most daily"),
    ("BYHOUR", body(rrule="FREQ=DAILY;BYHOUR=1,2,3"), "rrule", "BYHOUR"),
    ("two lines", body(rrule="FREQ=DAILY\nRDATE:20300101T000000Z"), "rrule", "One RRULE"),
    ("a huge COUNT", body(rrule="FREQ=DAILY;COUNT=99999999"), "rrule", "COUNT"),
    ("an unknown source", body(source="nope"), "source", "No source named 'nope'"),
    ("an unknown team", without("source") | {"team": "nope"}, "team", "No team 'nope'"),
    ("source and team", body(team="grid-ops"), "team", "not source and team"),
    ("nothing covered", without("source"), "match", "Say what the window covers"),
    ("an empty match", without("source") | {"match": {}}, "match", "Say what"),
    ("match and source", body(match={"market": "MISO"}), "match", "not source and match"),
    ("a bad severity", without("source") | {"match": {"severity": "awful"}}, "match", "valid"),
    ("a match key typo", without("source") | {"match": {"markt": "MISO"}}, "match", "Unknown"),
    ("match not an object", without("source") | {"match": "MISO"}, "match", "dictionary"),
    ("a mode typo", body(mode="quiet"), "mode", "not a valid choice"),
    ("no mode", without("mode"), "mode", "required"),
    ("no name", without("name"), "name", "required"),
    ("a NUL in the name", body(name="up\u0000grade"), "name", "Null characters"),
    ("a long name", body(name="x" * 201), "name", "200"),
    ("a field typo", body(end_at=soon(3)), "end_at", "Unknown field"),
    ("a bad zone", body(time_zone="Mars/Olympus"), "time_zone", "IANA"),
    ("a zone path", body(time_zone="../../etc/passwd"), "time_zone", "IANA"),
    ("a list for a name", body(name=["a"]), "name", "valid string"),
]


@pytest.mark.parametrize(
    ("given", "field", "says"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_bad_input_is_a_400_naming_the_field_and_plans_nothing(lena, feed, given, field, says):
    answer = lena.post("/api/v1/maintenance", given, format="json")
    assert answer.status_code == 400, answer.content
    assert says in str(answer.json()[field]), answer.json()
    assert MaintenanceWindow.objects.count() == 0


@pytest.mark.parametrize("raw", [b"[]", b"not json", b'"a string"', b"null", b"{"])
def test_a_body_that_is_not_an_object_is_a_400(lena, feed, raw):
    answer = lena.post("/api/v1/maintenance", raw, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert MaintenanceWindow.objects.count() == 0
