"""Senders redeliver, often at once: the dedup key is a database constraint, not a read."""

import threading

import pytest
import requests
from django.db import connection
from django_q.models import OrmQ

from edrops import services
from edrops.models import Event, EventRevision, RateLimitState
from tests.edrops.conftest import example
from tests.factories import TeamFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers; SQLite serialises every write transaction",
    ),
]


def test_20_concurrent_redeliveries_create_exactly_one_event(live_server):
    source, token = services.upsert_source(name="miso", team=TeamFactory(slug="grid-ops"))
    # A source made before its first request, as in the admin: the rate limiter starts then.
    RateLimitState.objects.filter(source=source).delete()
    url = live_server.url + "/api/v1/events"
    dispatch = example("miso-lmr-dispatch.json")
    start = threading.Barrier(20)
    answers: list[requests.Response] = []

    def deliver():
        with requests.Session() as session:
            start.wait()
            response = session.post(
                url, json=dispatch, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            answers.append(response)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200] * 19 + [202]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Event.objects.count() == 1
    assert EventRevision.objects.count() == 1
    assert OrmQ.objects.count() == 1
