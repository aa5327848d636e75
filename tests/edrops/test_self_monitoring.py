"""edrops watched from outside: the clock pings a dead man's switch while it can page."""

from datetime import UTC, datetime, timedelta

import pytest

from edrops import clock, services
from edrops.models import ProcessCheckIn
from edrops.services import processes
from tests.fakes.monitor import Monitor

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


@pytest.fixture
def monitor(settings):
    running = Monitor()
    settings.EDROPS_HEARTBEAT_URL = running.url
    settings.EDROPS_HEARTBEAT_INTERVAL = 60
    settings.LIVENESS_TIMEOUT = 30
    yield running
    running.close()


@pytest.fixture(autouse=True)
def fresh_switch(monkeypatch):
    """Each test is a new clock process."""
    monkeypatch.setattr(processes, "_switch", processes._Switch())
    yield
    thread = processes._switch.in_flight
    if thread is not None:
        thread.join(timeout=15)


def worker_seen(at: datetime) -> None:
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=at, name="w:1")


def test_the_clock_pings_the_monitor_once_a_minute_while_a_worker_is_alive(monitor):
    worker_seen(T0)
    assert clock.tick(T0).enqueued["dead_mans_switch"] == 1
    assert monitor.wait_for_ping()
    assert monitor.pings == ["/ping/edrops-prod"]

    for second in range(1, 60):
        worker_seen(T0 + timedelta(seconds=second))
        assert clock.tick(T0 + timedelta(seconds=second)).enqueued["dead_mans_switch"] == 0
    worker_seen(T0 + timedelta(seconds=60))
    assert clock.tick(T0 + timedelta(seconds=60)).enqueued["dead_mans_switch"] == 1
    assert monitor.wait_for_ping()
    assert len(monitor.pings) == 2


def test_with_no_worker_seen_for_30_s_the_monitor_hears_nothing_and_alarms(monitor):
    worker_seen(T0 - timedelta(seconds=31))
    assert clock.tick(T0).enqueued["dead_mans_switch"] == 0

    worker_seen(T0 + timedelta(seconds=61))  # a worker is back
    assert clock.tick(T0 + timedelta(seconds=61)).enqueued["dead_mans_switch"] == 1
    assert monitor.wait_for_ping()
    assert monitor.pings == ["/ping/edrops-prod"]


def test_a_slow_monitor_never_holds_up_a_tick(monitor):
    monitor.delay = 3.0
    worker_seen(T0)
    t = datetime.now(UTC)
    clock.tick(T0)
    spent = datetime.now(UTC) - t
    assert spent < timedelta(seconds=2), f"the tick waited {spent} for the monitor"
    assert monitor.wait_for_ping()


def test_without_a_url_nothing_is_pinged(settings):
    settings.EDROPS_HEARTBEAT_URL = ""
    worker_seen(T0)
    assert clock.tick(T0).enqueued["dead_mans_switch"] == 0
    assert processes._switch.in_flight is None


def test_an_unreachable_monitor_is_logged_and_the_clock_goes_on(settings, caplog):
    settings.EDROPS_HEARTBEAT_URL = "http://127.0.0.1:9/nobody-listens"
    worker_seen(T0)
    assert clock.tick(T0).enqueued["dead_mans_switch"] == 1
    processes._switch.in_flight.join(timeout=15)
    assert "dead man's switch ping to http://127.0.0.1:9/<redacted> failed" in caplog.text
    assert "nobody-listens" not in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",  # Healthchecks' shape
        "http://127.0.0.1:9/ping/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0?rid=0f1e2d3c",
        "hc-ping.com/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",  # no scheme: urllib refuses it
        "http://user:0f1e2d3c@127.0.0.1:9/x",
    ],
    ids=["uuid-path", "query", "no-scheme", "userinfo"],
)
def test_the_switch_url_is_never_in_the_logs(settings, caplog, url):
    """Only local addresses: whatever the URL, the ping must fail here and be logged."""
    settings.EDROPS_HEARTBEAT_URL = url
    worker_seen(T0)

    clock.tick(T0)
    processes._switch.in_flight.join(timeout=15)

    assert "dead man's switch ping to" in caplog.text
    assert "0f1e2d3c" not in caplog.text
