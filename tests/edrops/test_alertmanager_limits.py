"""Alertmanager: each alert is an event against the source's rate limit, and one request
carries at most 1,000 of them."""

import copy
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from edrops.api.adapters.alertmanager import MAX_ALERTS, alertmanager_events
from edrops.models import Event, RejectedMessage
from edrops.services import take_rate_limit_slot
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db

AM_URL = "/api/v1/integrations/alertmanager"
ALERT = example("alertmanager-v4.json")


def alerts(n: int, first: int = 0) -> dict:
    body = copy.deepcopy(ALERT)
    [one] = body["alerts"]
    body["alerts"] = [{**one, "fingerprint": f"fp-{first + i}"} for i in range(n)]
    return body


@pytest.fixture
def limited(source):
    """A source allowed 5 events a minute (a burst of 5, then one every 12 s)."""
    source.rate_limit = 5
    source.save()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_each_alert_counts_against_the_sources_rate_limit(sender, limited):
    assert sender.post(AM_URL, alerts(3), format="json").status_code == 202

    over = sender.post(AM_URL, alerts(3, first=3), format="json")

    assert over.status_code == 429
    assert 1 <= int(over["Retry-After"]) <= 12
    assert over.json()["detail"].startswith(
        "Over this source's limit of 5 events a minute: this request carries 3 of them."
    )
    assert Event.objects.count() == 3  # nothing of the refused request
    assert sender.post(AM_URL, alerts(2, first=3), format="json").status_code == 202
    assert Event.objects.count() == 5


def test_a_refused_request_fits_once_the_allowance_is_back(sender, limited):
    sender.post(AM_URL, alerts(4), format="json")
    assert sender.post(AM_URL, alerts(3, first=4), format="json").status_code == 429

    limited.shift(timedelta(seconds=24))  # two more slots: three free

    assert sender.post(AM_URL, alerts(3, first=4), format="json").status_code == 202
    assert Event.objects.count() == 7


def test_more_alerts_than_a_minutes_allowance_waits_for_a_full_one_not_forever(sender, limited):
    assert sender.post(AM_URL, alerts(8), format="json").status_code == 202
    assert Event.objects.count() == 8

    assert sender.post(AM_URL, alerts(1, first=8), format="json").status_code == 429


def test_a_native_event_still_counts_one(sender, limited):
    answers = [
        sender.post(
            "/api/v1/events", {"external_id": f"E-{n}", "summary": "s"}, format="json"
        ).status_code
        for n in range(6)
    ]

    assert answers == [202] * 5 + [429]


def test_a_rejected_alertmanager_body_counts_one_and_is_kept(sender, limited):
    for _ in range(5):
        assert sender.post(AM_URL, {"version": "3"}, format="json").status_code == 400

    assert sender.post(AM_URL, {"version": "3"}, format="json").status_code == 429
    assert RejectedMessage.objects.count() == 5


def test_more_than_1000_alerts_in_one_request_is_a_400_naming_alerts_and_is_kept(sender):
    response = sender.post(AM_URL, alerts(MAX_ALERTS + 1), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "alerts": [
                "At most 1000 alerts in one request; this one has 1001. "
                "Set max_alerts in the receiver's webhook_config."
            ]
        }
    }
    assert RejectedMessage.objects.get().errors == response.json()["errors"]
    assert Event.objects.count() == 0


def test_1000_alerts_are_one_request():
    assert len(alertmanager_events(body=alerts(MAX_ALERTS))) == MAX_ALERTS


def test_slots_are_taken_all_at_once_or_not_at_all(source):
    source.rate_limit = 60
    now = timezone.now()

    assert take_rate_limit_slot(source=source, now=now, cost=50).allowed
    refused = take_rate_limit_slot(source=source, now=now, cost=11)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(1.0)
    assert take_rate_limit_slot(source=source, now=now, cost=10).allowed
    assert not take_rate_limit_slot(source=source, now=now).allowed
