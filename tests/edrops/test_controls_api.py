"""The controls on an open event over the API, as refusals meet people: a closed event has
nothing to escalate, reassign or snooze (409, saying so); Mia from the market desk may not act
on a grid-ops dispatch (403); a body that can't be read is a 400 naming the field; and none of
them changes anything or pages anyone."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_q.models import OrmQ
from rest_framework.test import APIClient

from edrops import services
from edrops.models import Event, TimelineEntry
from tests.edrops.conftest import TWO_DESKS, miso_sender_for
from tests.factories import person_token

pytestmark = pytest.mark.django_db(transaction=True)

ACTIONS = [
    ("escalate", {}),
    ("reassign", {"person": "alice"}),
    ("reassign", {"team": "grid-ops"}),
    ("snooze", {"minutes": 15}),
]


@pytest.fixture
def event(tmp_path):
    miso_sender_for(tmp_path, TWO_DESKS)
    answer = api_as("alice").post(
        "/api/v1/pages", {"team": "grid-ops", "summary": "MISO called"}, format="json"
    )
    OrmQ.objects.all().delete()  # nobody is paged in these tests: their refusals are the point
    return Event.objects.get(pk=answer.json()["id"])


def api_as(username: str) -> APIClient:
    client = APIClient()
    user = get_user_model().objects.get_or_create(username=username)[0]
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return client


def post(event: Event, action: str, body, *, as_: str = "alice"):
    return api_as(as_).post(
        f"/api/v1/events/{event.pk}/{action}", json.dumps(body), content_type="application/json"
    )


def nothing_changed(event: Event, *, status: str = "triggered") -> None:
    before = event.updated_at
    event.refresh_from_db()
    assert (event.status, event.updated_at, event.wake_at) == (status, before, None)
    kinds = set(event.timeline.values_list("kind", flat=True))
    assert not kinds & {"reassigned", "snoozed", "retriggered"}
    assert not OrmQ.objects.exists()


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_acting_on_a_resolved_event_is_a_409_that_says_why(event, action, body):
    assert post(event, "resolve", {}).status_code == 200
    event.refresh_from_db()

    answer = post(event, action, body)

    assert answer.status_code == 409, answer.content
    verb = {"escalate": "escalate", "reassign": "reassign", "snooze": "snooze"}[action]
    assert answer.json() == {
        "detail": f"This event is resolved by alice: there is nothing to {verb}. "
        "Page again (POST /api/v1/pages) if it needs someone."
    }
    nothing_changed(event, status="resolved")


def test_only_an_acknowledged_event_is_snoozed(event):
    answer = post(event, "snooze", {"minutes": 15})
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "This event is triggered: only an acknowledged event can be snoozed. Acknowledge it first."
    )
    nothing_changed(event)


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_mia_from_the_market_desk_may_not_act_on_a_grid_ops_event(event, action, body):
    answer = post(event, action, body, as_="mia")
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("You can't act on this event: it is team grid-ops's")
    nothing_changed(event)


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_a_login_with_no_person_and_no_login_at_all_act_on_nothing(event, action, body):
    assert post(event, action, body, as_="night-watch").status_code == 403
    anonymous = APIClient().post(f"/api/v1/events/{event.pk}/{action}", body, format="json")
    assert anonymous.status_code == 401
    nothing_changed(event)


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_an_unknown_event_is_a_404(event, action, body):
    answer = api_as("alice").post(
        f"/api/v1/events/0190a0a0-0000-7000-8000-000000000000/{action}", body, format="json"
    )
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("snooze", {}, "minutes"),
        ("snooze", {"minutes": 0}, "minutes"),
        ("snooze", {"minutes": -5}, "minutes"),
        ("snooze", {"minutes": 1441}, "minutes"),
        ("snooze", {"minutes": "soon"}, "minutes"),
        ("snooze", {"minutes": 10**400}, "minutes"),
        ("snooze", {"minutes": 15, "hours": 1}, "hours"),
        ("reassign", {}, "team"),
        ("reassign", {"team": "grid-ops", "person": "alice"}, "team"),
        ("reassign", {"team": "../etc"}, "team"),
        ("reassign", {"person": "nobody"}, "person"),
        ("reassign", {"person": "al\u0000ice"}, "person"),
        ("reassign", {"person": "\ud800"}, "person"),
        ("reassign", {"person": ["alice"]}, "person"),
        ("reassign", ["alice"], "non_field_errors"),
    ],
)
def test_a_body_that_cant_be_read_is_a_400_naming_the_field(event, action, body, field):
    answer = post(event, action, body)
    assert answer.status_code == 400, answer.content
    assert field in answer.json(), answer.json()
    nothing_changed(event)


def test_a_body_that_is_not_json_is_a_400(event):
    answer = api_as("alice").post(
        f"/api/v1/events/{event.pk}/snooze", b"{oops", content_type="application/json"
    )
    assert answer.status_code == 400
    nothing_changed(event)


def test_each_action_is_on_the_timeline_with_who_and_how(event):
    alice = get_user_model().objects.get(username="alice")
    assert post(event, "escalate", {}).status_code == 200
    services.acknowledge(event=event, by=alice.person, user=alice, via="api", at=timezone.now())
    assert post(event, "snooze", {"minutes": 10}).status_code == 200
    assert post(event, "reassign", {"person": "alice"}).status_code == 200
    entries = list(
        event.timeline.filter(
            kind__in=[
                TimelineEntry.Kind.ESCALATED,
                TimelineEntry.Kind.SNOOZED,
                TimelineEntry.Kind.REASSIGNED,
            ],
            person__handle="alice",
        ).values_list("kind", "channel")
    )
    assert entries == [("escalated", "api"), ("snoozed", "api"), ("reassigned", "api")]
