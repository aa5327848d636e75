from datetime import timedelta

import pytest
from django.utils import timezone

from edrops import services
from edrops.models import ProcessCheckIn

pytestmark = pytest.mark.django_db


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_worker_and_clock_when_neither_has_been_seen(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["missing"] == ["worker", "clock"]
    assert body["checks"]["database"] == "ok"


def test_readyz_is_ready_when_a_worker_and_a_clock_checked_in_recently(client):
    now = timezone.now()
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=now, name="w1:1")
    services.check_in(role=ProcessCheckIn.Role.CLOCK, now=now, name="c1:1")

    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["missing"] == []


def test_readyz_names_the_clock_30_seconds_after_its_last_check_in(client, settings):
    settings.LIVENESS_TIMEOUT = 30
    now = timezone.now()
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=now, name="w1:1")
    services.check_in(role=ProcessCheckIn.Role.CLOCK, now=now - timedelta(seconds=31), name="c")

    body = client.get("/readyz").json()
    assert body["missing"] == ["clock"]
    assert body["checks"]["clock"]["seconds_ago"] >= 31


def test_any_live_worker_is_enough_even_if_another_died(client):
    now = timezone.now()
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=now - timedelta(hours=2), name="dead")
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=now, name="alive")
    services.check_in(role=ProcessCheckIn.Role.CLOCK, now=now, name="clock")

    assert client.get("/readyz").status_code == 200


def test_a_check_in_updates_one_row_per_process_and_forgets_long_dead_ones():
    now = timezone.now()
    services.check_in(role=ProcessCheckIn.Role.CLOCK, now=now - timedelta(days=2), name="old")
    services.check_in(role=ProcessCheckIn.Role.CLOCK, now=now - timedelta(seconds=1), name="c")
    services.check_in(role=ProcessCheckIn.Role.CLOCK, now=now, name="c")
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=now, name="new")

    rows = {(r.role, r.name): r for r in ProcessCheckIn.objects.all()}
    assert set(rows) == {("clock", "c"), ("worker", "new")}
    assert rows["clock", "c"].last_seen == now
    assert rows["clock", "c"].started_at == now - timedelta(seconds=1)
