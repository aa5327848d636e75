"""PagerDuty Events API v2 and Alertmanager webhook v4, driven by their real senders' shapes."""

import copy

import httpx2
import pagerduty
import pytest
import requests

from edrops import services
from edrops.models import Event, RejectedMessage
from tests.edrops.conftest import example

PD_URL = "/api/v1/integrations/pagerduty/v2/enqueue"
AM_URL = "/api/v1/integrations/alertmanager"
ALERT = example("alertmanager-v4.json")


class PlainHttpOnLoopback(httpx2.BaseTransport):
    """The PagerDuty client insists on https:// base URLs; the test server speaks http on
    127.0.0.1. Everything else (paths, bodies, retries, reply parsing) is the real client's."""

    def __init__(self):
        self.inner = httpx2.HTTPTransport()

    def handle_request(self, request):
        request.url = request.url.copy_with(scheme="http")
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


@pytest.mark.django_db(transaction=True)
def test_the_pagerduty_client_triggers_acknowledges_and_resolves_through_our_endpoint(live_server):
    from tests.factories import TeamFactory

    team = TeamFactory(slug="grid-ops")
    _, token = services.upsert_source(name="scada", team=team)
    base = live_server.url.replace("http://", "https://") + "/api/v1/integrations/pagerduty"
    # Closed at the end: an idle keep-alive connection would outlive the live server.
    with pagerduty.EventsApiV2Client(
        token, base_url=base, transport=PlainHttpOnLoopback()
    ) as client:
        dedup_key = client.trigger(
            "SCADA gateway 3 lost its ICCP link to MISO",
            "scada-gw-3",
            dedup_key="scada-gw-3/link-down",
            severity="error",
            custom_details={"peer": "MISO ICCP B"},
        )
        event = Event.objects.get()
        assert dedup_key == "scada-gw-3/link-down"
        assert (event.status, event.severity, event.integration) == (
            "triggered",
            "high",
            "pagerduty",
        )
        assert event.details["custom_details"] == {"peer": "MISO ICCP B"}

        assert client.acknowledge(dedup_key) == dedup_key
        event.refresh_from_db()
        assert (event.status, event.acknowledged_by_name) == ("acknowledged", "source:scada")

        assert client.resolve(dedup_key) == dedup_key
        event.refresh_from_db()
        assert event.status == "resolved"

        # Without a dedup_key, PagerDuty makes one up; so do we, and it names the new event.
        generated = client.trigger("Feed latency high", "dsri", severity="warning")
        assert Event.objects.get(external_id=generated).severity == "low"


@pytest.mark.django_db
def test_a_pagerduty_trigger_sent_twice_is_one_event(client, source):
    body = {**example("pagerduty-v2-trigger.json"), "routing_key": "miso-secret-token"}

    first = client.post(PD_URL, body, content_type="application/json")
    again = client.post(PD_URL, body, content_type="application/json")

    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "scada-gw-3/link-down",
    }
    event = Event.objects.get()
    assert event.revisions.count() == 1
    assert "routing_key" not in event.revisions.get().body


@pytest.mark.django_db
def test_an_invalid_pagerduty_event_gets_pagerdutys_error_shape_and_is_kept(client, source):
    body = {"routing_key": "miso-secret-token", "event_action": "trigger", "payload": {}}

    response = client.post(PD_URL, body, content_type="application/json")

    assert response.status_code == 400
    reply = response.json()
    assert (reply["status"], reply["message"]) == ("invalid event", "Event object is invalid")
    assert "payload.summary: This field is required." in reply["errors"]
    kept = RejectedMessage.objects.get()
    assert kept.source == source
    assert b"miso-secret-token" not in bytes(kept.raw_body)
    assert '"routing_key": "<routing_key>"' in kept.body


@pytest.mark.django_db
def test_a_pagerduty_event_with_an_unknown_routing_key_is_401(client, source):
    body = {**example("pagerduty-v2-trigger.json"), "routing_key": "nope"}

    assert client.post(PD_URL, body, content_type="application/json").status_code == 401
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_alertmanager_firing_then_resolved_opens_then_resolves_one_event(sender):
    firing = sender.post(AM_URL, ALERT, format="json")
    redelivered = sender.post(AM_URL, ALERT, format="json")
    resolved_body = copy.deepcopy(ALERT)
    resolved_body["status"] = "resolved"
    resolved_body["alerts"][0] |= {"status": "resolved", "endsAt": "2026-07-14T18:58:00Z"}
    resolved = sender.post(AM_URL, resolved_body, format="json")

    assert firing.status_code == 202
    [reply] = firing.json()["events"]
    assert (reply["dedup_key"], reply["status"], reply["created"]) == (
        "7c9e1f2ab3d4e5f6",
        "triggered",
        True,
    )
    assert redelivered.status_code == 200
    assert resolved.status_code == 202
    assert resolved.json()["events"][0]["status"] == "resolved"
    event = Event.objects.get()
    assert event.summary == "No MISO DSRI poll succeeded for 4 minutes"
    assert event.severity == "critical"
    assert event.details["labels"]["feed"] == "miso-dsri"
    assert event.ends_at.isoformat() == "2026-07-14T18:58:00+00:00"
    assert event.revisions.count() == 2


@pytest.mark.django_db
def test_alertmanager_firing_keeps_no_end_time_for_go_zero_time(sender):
    sender.post(AM_URL, ALERT, format="json")

    assert Event.objects.get().ends_at is None


@pytest.mark.django_db
def test_alertmanager_sends_one_event_per_fingerprint(sender):
    two = copy.deepcopy(ALERT)
    second = copy.deepcopy(two["alerts"][0])
    second |= {
        "fingerprint": "0a1b2c3d4e5f6071",
        "labels": {"alertname": "Other", "severity": "warning"},
    }
    two["alerts"].append(second)

    response = sender.post(AM_URL, two, format="json")

    assert len(response.json()["events"]) == 2
    assert dict(Event.objects.values_list("external_id", "severity")) == {
        "7c9e1f2ab3d4e5f6": "critical",
        "0a1b2c3d4e5f6071": "low",
    }


@pytest.mark.django_db
def test_an_alertmanager_payload_of_another_version_is_rejected(sender):
    response = sender.post(AM_URL, {**ALERT, "version": "3"}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()["errors"]
    assert RejectedMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_alertmanager_over_http_without_a_token_is_401(live_server):
    assert requests.post(live_server.url + AM_URL, json=ALERT, timeout=5).status_code == 401
