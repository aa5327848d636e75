import threading

import pytest

from edrops import clock
from edrops.models import ProcessCheckIn

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_clock_checks_in_every_tick_and_stops_when_told(monkeypatch):
    ticks = []
    stop = threading.Event()

    def counting_tick(now):
        ticks.append(now)
        if len(ticks) == 3:
            stop.set()
        return clock.TickReport()

    monkeypatch.setattr(clock, "tick", counting_tick)
    clock.run(stop=stop, interval=0.01)

    assert len(ticks) == 3
    assert ticks == sorted(ticks)
    assert ProcessCheckIn.objects.get(role="clock").last_seen == ticks[-1]


def test_a_failing_tick_does_not_kill_the_clock(monkeypatch):
    calls = []
    stop = threading.Event()

    def flaky_tick(now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        stop.set()
        return clock.TickReport()

    monkeypatch.setattr(clock, "tick", flaky_tick)
    monkeypatch.setattr(clock, "BACKOFF_SECONDS", 0.01)
    clock.run(stop=stop, interval=0.01)

    assert len(calls) == 2
