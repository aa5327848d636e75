"""People read events and acknowledge or resolve them; sources read nothing."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from edrops import services
from edrops.models import Event
from tests.edrops.conftest import example
from tests.factories import PersonFactory, person_token

pytestmark = pytest.mark.django_db

MISO = example("miso-lmr-dispatch.json")


@pytest.fixture
def miso_event_id(sender) -> str:
    """The MISO example, posted by its integration: the id of its event."""
    return sender.post("/api/v1/events", MISO, format="json").json()["id"]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return client


def test_a_person_reads_the_event_with_its_revisions_and_timeline(sender, responder, miso_event_id):
    sender.post("/api/v1/events", example("miso-lmr-update-endtime.json"), format="json")

    event = responder.get(f"/api/v1/events/{miso_event_id}").json()

    assert event["status"] == "triggered"
    assert event["summary"].startswith("MISO LMR scheduling instruction")
    assert (event["market"], event["program"], event["severity"]) == ("MISO", "LMR", "critical")
    assert event["mw"] == 12.5
    assert event["acknowledged_by"] is None
    assert [(r["revision"], r["status"]) for r in event["revisions"]] == [
        (0, "scheduled"),
        (1, "active"),
    ]
    assert event["revisions"][0]["body"] == MISO
    assert [(t["kind"], t["channel"]) for t in event["timeline"]] == [
        ("received", "api"),
        ("revised", "api"),
    ]


def test_events_are_listed_newest_first_and_filtered_by_status(sender, responder, miso_event_id):
    pjm = sender.post("/api/v1/events", example("pjm-dr-30min.json"), format="json").json()
    responder.post(f"/api/v1/events/{miso_event_id}/acknowledge")

    everything = responder.get("/api/v1/events").json()
    triggered = responder.get("/api/v1/events?status=triggered").json()
    acknowledged = responder.get("/api/v1/events?status=acknowledged").json()
    closed = responder.get("/api/v1/events?status=closed").json()

    assert everything["count"] == 2
    assert [e["id"] for e in everything["results"]] == [pjm["id"], miso_event_id]
    assert [e["id"] for e in triggered["results"]] == [pjm["id"]]
    assert [e["id"] for e in acknowledged["results"]] == [miso_event_id]
    assert closed["count"] == 0
    assert responder.get("/api/v1/events?status=bogus").status_code == 400


def test_alice_acknowledges_and_bob_is_told_it_is_already_acknowledged(
    responder, alice, team, miso_event_id, django_user_model
):
    bob = PersonFactory(handle="bob", user=django_user_model.objects.create_user("bob"))
    team.members.add(bob)

    first = responder.post(f"/api/v1/events/{miso_event_id}/acknowledge")
    second = token_client(bob.user).post(f"/api/v1/events/{miso_event_id}/acknowledge")

    assert first.status_code == 200
    assert (first.json()["status"], first.json()["acknowledged_by"]) == ("acknowledged", "alice")
    assert first.json()["acknowledged_via"] == "api"
    assert second.status_code == 200
    assert second.json()["acknowledged_by"] == "alice"
    assert second.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    acks = [t for t in second.json()["timeline"] if t["kind"] == "acknowledged"]
    assert [(t["person"], t["detail"]) for t in acks] == [
        ("alice", "acknowledged by alice via api")
    ]

    result = services.acknowledge(
        event=Event.objects.get(pk=miso_event_id), by=bob, via="sms", at=timezone.now()
    )
    assert (result.changed, result.message) == (False, "already acknowledged by alice via api")


def test_a_staff_login_without_a_person_acknowledges_under_its_username(
    miso_event_id, django_user_model
):
    ops = django_user_model.objects.create_user("night-ops", password="pw-night-1", is_staff=True)
    browser = APIClient(enforce_csrf_checks=False)
    browser.post("/accounts/login/", {"username": "night-ops", "password": "pw-night-1"})

    event = browser.post(f"/api/v1/events/{miso_event_id}/acknowledge").json()

    assert (event["acknowledged_by"], event["acknowledged_via"]) == (ops.username, "web")


def test_resolving_closes_the_event_and_a_second_resolve_changes_nothing(responder, miso_event_id):
    resolved = responder.post(f"/api/v1/events/{miso_event_id}/resolve").json()
    again = responder.post(f"/api/v1/events/{miso_event_id}/resolve").json()

    assert (resolved["status"], resolved["closed_by"]) == ("resolved", "alice")
    assert again["closed_at"] == resolved["closed_at"]
    assert [t["kind"] for t in again["timeline"]] == ["received", "resolved"]
    # Acknowledging a closed event changes nothing either.
    acknowledged = responder.post(f"/api/v1/events/{miso_event_id}/acknowledge").json()
    assert acknowledged["status"] == "resolved"


def test_a_source_token_cannot_read_or_acknowledge_events(sender, miso_event_id):
    assert sender.get("/api/v1/events").status_code == 401
    assert sender.get(f"/api/v1/events/{miso_event_id}").status_code == 401
    assert sender.post(f"/api/v1/events/{miso_event_id}/acknowledge").status_code == 401
    assert sender.post(f"/api/v1/events/{miso_event_id}/resolve").status_code == 401
    assert Event.objects.get().status == "triggered"


def test_nobody_reads_events_without_logging_in(client, miso_event_id):
    assert client.get("/api/v1/events").status_code == 401
    assert client.get(f"/api/v1/events/{miso_event_id}").status_code == 401


def test_an_unknown_event_is_404(responder):
    assert responder.get("/api/v1/events/3f1c9a4e-2b7d-4c1e-9f0a-6d2b8e5c7a10").status_code == 404


def test_the_api_documents_itself_with_dispatch_examples(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    post = schema["paths"]["/api/v1/events"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]

    by_name = {e["summary"]: e["value"] for e in examples.values()}

    assert by_name["MISO LMR scheduling instruction"]["program"] == "LMR"
    assert by_name["PJM 30-minute dispatch"]["market"] == "PJM"
    assert by_name["MISO LMR cancellation"]["status"] == "cancelled"
    assert "/api/v1/integrations/pagerduty/v2/enqueue" in schema["paths"]
    assert client.get("/api/docs/").status_code == 200
