"""A body from a sender we don't know is never kept (anyone could fill the disk with them):
it is answered, counted for /metrics (in the database, so every process counts into the same
figure) and logged in one line without the body."""

import logging

import pytest
from rest_framework.test import APIClient

from edrops.exposition import REGISTRY
from edrops.models import Event, RejectedMessage
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db

SECRET_WORDS = "body-that-must-not-be-logged"
BODY = {"external_id": "X-1", "summary": SECRET_WORDS}
PD_URL = "/api/v1/integrations/pagerduty/v2/enqueue"


def counted(endpoint: str) -> float:
    value = REGISTRY.get_sample_value("edrops_ingest_unauthenticated_total", {"endpoint": endpoint})
    return value or 0.0


def client(token: str | None = None) -> APIClient:
    api = APIClient(REMOTE_ADDR="203.0.113.9")
    if token:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def pagerduty(**fields) -> dict:
    return {**example("pagerduty-v2-trigger.json"), **fields}


CASES = {
    "events, no token": (None, "/api/v1/events", BODY, 401),
    "events, unknown token": ("guessed", "/api/v1/events", BODY, 401),
    "events, malformed header": ("two words", "/api/v1/events", BODY, 401),
    "alertmanager, no token": (None, "/api/v1/integrations/alertmanager", BODY, 401),
    "alertmanager, unknown token": ("guessed", "/api/v1/integrations/alertmanager", BODY, 401),
    "heartbeat, unknown token": ("guessed", "/api/v1/heartbeat", BODY, 401),
    "pagerduty, unknown routing_key": (None, PD_URL, pagerduty(routing_key="guessed"), 401),
    "pagerduty, no routing_key": (None, PD_URL, {**BODY, "event_action": "trigger"}, 400),
    "pagerduty, routing_key not text": (None, PD_URL, pagerduty(routing_key=[SECRET_WORDS]), 400),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_body_from_an_unknown_sender_is_answered_counted_and_logged_but_not_kept(
    source, caplog, case
):
    token, url, body, status = CASES[case]
    before = counted(url)

    with caplog.at_level(logging.WARNING):
        response = client(token).post(url, body, format="json")

    assert response.status_code == status
    assert RejectedMessage.objects.count() == 0
    assert Event.objects.count() == 0
    assert counted(url) == before + 1
    [line] = [r.getMessage() for r in caplog.records if r.name == "edrops.services.rejections"]
    assert line == f"unauthenticated request to {url} from 203.0.113.9; body not kept"
    assert SECRET_WORDS not in caplog.text


def test_a_pagerduty_body_that_is_not_json_is_a_400_and_not_kept(source):
    before = counted(PD_URL)

    response = client().generic("POST", PD_URL, b"{" + SECRET_WORDS.encode(), "application/json")

    assert response.status_code == 400
    assert response.json()["status"] == "invalid event"
    assert RejectedMessage.objects.count() == 0
    assert counted(PD_URL) == before + 1


def test_a_known_sender_s_bad_body_is_still_kept_and_not_counted(sender, source):
    before = counted("/api/v1/events")

    response = sender.post("/api/v1/events", {"external_id": "X-1"}, format="json")

    assert response.status_code == 400
    assert RejectedMessage.objects.get().source == source
    assert counted("/api/v1/events") == before


def test_people_reading_events_without_a_login_are_not_counted_as_ingest(db):
    before = counted("/api/v1/events")

    assert client().get("/api/v1/events").status_code == 401

    assert counted("/api/v1/events") == before
