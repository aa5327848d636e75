"""Paging by hand over the API (POST /api/v1/pages): a dispatch that came by phone is paged by
Alice to her team or to one person; what she may page is what she may act on; whatever she
sends is a 201 or a 400 naming the field, never a 500, and a refused page writes nothing."""

import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django_q.models import OrmQ
from rest_framework.test import APIClient

from edrops import services
from edrops.models import Event, Source
from edrops.models.sources import MANUAL_SOURCE
from tests.edrops.conftest import miso_sender_for
from tests.factories import person_token

pytestmark = pytest.mark.django_db(transaction=True)

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago",
         "phone": "+13125550101", "login": "alice"},
        {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/Chicago",
         "phone": "+13125550102", "login": "bob"},
        {"handle": "mia", "name": "Mia Chen", "timezone": "America/Chicago",
         "phone": "+13125550121", "login": "mia"},
        {"handle": "olga", "name": "Olga Berg", "timezone": "Europe/Berlin", "login": "olga",
         "role": "lead", "phone": "+13125550131"},
        {"handle": "loner", "name": "Lone Ranger", "timezone": "UTC", "phone": "+13125550199"},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "members": ["alice", "bob"]},
        {"slug": "market-ops", "name": "Market Operations", "members": ["mia", "olga", "bob"]},
    ],
}  # fmt: skip

PHONED_IN = {
    "team": "grid-ops",
    "summary": "MISO called: curtail 12.5 MW in LRZ 4 from 14:00",
    "market": "MISO",
    "program": "LMR",
    "mw": 12.5,
    "location": "LRZ 4",
    "starts_at": "2026-07-14T14:00:00-05:00",
    "respond_by": "2026-07-14T13:30:00-05:00",
}


@pytest.fixture
def roster(tmp_path):
    miso_sender_for(tmp_path, ROSTER)


def api_as(username: str) -> APIClient:
    client = APIClient()
    user = get_user_model().objects.get_or_create(username=username)[0]
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return client


def page(as_: str, body):
    # json.dumps escapes what a JSON body may carry and UTF-8 can't (an unpaired surrogate).
    return api_as(as_).post("/api/v1/pages", json.dumps(body), content_type="application/json")


def test_alice_pages_her_team_by_hand_and_it_is_an_event_like_any_other(roster):
    answer = page("alice", PHONED_IN)

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["integration"] == "manual"
    assert body["source"] == "manual"
    assert body["team"] == "grid-ops"
    assert body["created_by"] == "alice"
    assert body["assigned_to"] is None
    assert body["status"] == "triggered"
    prefix, _, rest = body["dedup_key"].partition("-")
    assert prefix == "manual"
    assert uuid.UUID(rest)
    assert (body["mw"], body["location"], body["market"]) == (12.5, "LRZ 4", "MISO")
    assert body["respond_by"] == "2026-07-14T18:30:00Z"
    assert [(e["kind"], e["detail"]) for e in body["timeline"]] == [
        ("received", "paged by hand by alice")
    ]
    # Its first step is queued with it, as for a dispatch from a source.
    assert OrmQ.objects.count() == 1
    # The events API shows it the same way.
    again = api_as("bob").get(body["url"]).json()
    assert again["created_by"] == "alice"
    assert again["integration"] == "manual"


def test_two_pages_are_two_events_from_the_one_manual_source(roster):
    first = page("alice", PHONED_IN).json()
    second = page("alice", PHONED_IN).json()
    assert first["id"] != second["id"]
    assert Source.objects.filter(name=MANUAL_SOURCE).count() == 1


def test_a_person_page_pages_that_person_and_belongs_to_their_first_team(roster):
    answer = page("olga", {"person": "bob", "summary": "PJM called: 30-minute dispatch"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    # bob is on grid-ops and market-ops: the first by slug.
    assert (body["team"], body["assigned_to"], body["created_by"]) == ("grid-ops", "bob", "olga")


def test_a_person_page_with_a_team_belongs_to_that_team(roster):
    answer = page("olga", {"person": "bob", "team": "market-ops", "summary": "ERCOT ERS-10"})
    assert answer.status_code == 201, answer.content
    assert (answer.json()["team"], answer.json()["assigned_to"]) == ("market-ops", "bob")


def test_alice_may_not_page_a_team_she_is_not_on_nor_one_that_does_not_exist(roster):
    refused = page("alice", {**PHONED_IN, "team": "market-ops"})
    missing = page("alice", {**PHONED_IN, "team": "no-such-team"})

    assert refused.status_code == missing.status_code == 403
    assert refused.json()["detail"] == (
        "You may not page team 'market-ops'. A responder pages the teams they are a member of; "
        "a lead or staff pages any team."
    )
    assert missing.json()["detail"] == refused.json()["detail"].replace(
        "market-ops", "no-such-team"
    )
    # Mia (market-ops) paging a grid-ops person without naming her own team: it would be
    # grid-ops's page, which she may not page.
    assert page("mia", {"person": "alice", "summary": "x"}).status_code == 403
    assert page("mia", {"person": "alice", "team": "market-ops", "summary": "x"}).status_code == 201
    assert not Event.objects.filter(team__slug="grid-ops").exists()


def test_a_lead_and_staff_page_any_team(roster, django_user_model):
    assert page("olga", PHONED_IN).status_code == 201
    django_user_model.objects.create_user("ops-staff", is_staff=True)
    assert page("ops-staff", {**PHONED_IN, "team": "market-ops"}).status_code == 201


def test_a_login_no_person_is_linked_to_pages_nobody(roster):
    answer = page("night-watch", PHONED_IN)
    assert answer.status_code == 403
    assert not Event.objects.exists()


def test_without_credentials_it_is_401_and_a_source_token_is_not_one(roster):
    assert APIClient().post("/api/v1/pages", PHONED_IN, format="json").status_code == 401
    source = APIClient()
    source.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    assert source.post("/api/v1/pages", PHONED_IN, format="json").status_code == 401


def test_the_manual_source_never_takes_events_with_a_token(roster):
    page("alice", PHONED_IN)
    manual = Source.objects.get(name=MANUAL_SOURCE)
    # Even if someone gives it a token in the admin (Rotate the token).
    token = services.rotate_token(source=manual)
    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = sender.post("/api/v1/events", {"external_id": "x", "summary": "sneaky"}, format="json")
    assert answer.status_code == 401
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team": "grid-ops"}, "summary"),
        ({"summary": "who?"}, "team"),
        ({**PHONED_IN, "summary": ""}, "summary"),
        ({**PHONED_IN, "summary": "x" * 1025}, "summary"),
        ({**PHONED_IN, "summary": "nul \u0000 here"}, "summary"),
        ({**PHONED_IN, "summary": "half \ud800 a pair"}, "summary"),
        ({**PHONED_IN, "mw": -1}, "mw"),
        ({**PHONED_IN, "mw": "1e400"}, "mw"),
        ({**PHONED_IN, "mw": 1234567890123}, "mw"),
        ({**PHONED_IN, "starts_at": "2500-01-01T00:00:00Z"}, "starts_at"),
        ({**PHONED_IN, "respond_by": "tomorrow-ish"}, "respond_by"),
        ({**PHONED_IN, "market": "M" * 65}, "market"),
        ({**PHONED_IN, "team": "../etc"}, "team"),
        ({**PHONED_IN, "team": ["grid-ops"]}, "team"),
        ({**PHONED_IN, "test": "perhaps"}, "test"),
        ({**PHONED_IN, "respond-by": "2026-07-14T13:30:00-05:00"}, "respond-by"),
        ({**PHONED_IN, "\ud800": 1}, "\\ud800"),
        ({"person": "nobody-here", "summary": "x"}, "person"),
        ({"person": "loner", "summary": "x"}, "team"),
        ([PHONED_IN], "non_field_errors"),
    ],
)
def test_a_page_that_cant_be_read_is_a_400_naming_the_field_and_writes_nothing(roster, body, field):
    answer = page("alice", body)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["errors"], answer.json()
    assert not Event.objects.exists()
    assert not OrmQ.objects.exists()


def test_a_body_that_is_not_json_is_a_400_about_the_body(roster):
    answer = api_as("alice").post("/api/v1/pages", b"{not json", content_type="application/json")
    assert answer.status_code == 400
    assert "body" in answer.json()["errors"]


def test_a_person_page_names_nobody_on_the_roster_by_mistake(roster):
    answer = page("alice", {"person": "nobody-here", "summary": "x"})
    assert answer.json()["errors"] == {"person": ["Nobody has the handle 'nobody-here'."]}
    loner = page("olga", {"person": "loner", "summary": "x"})
    assert loner.json()["errors"] == {
        "team": ["loner is on no team: name the team this page is for."]
    }
    assert page("olga", {"person": "loner", "team": "grid-ops", "summary": "x"}).status_code == 201
