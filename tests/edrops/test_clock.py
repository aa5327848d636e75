import threading
import time
from datetime import timedelta

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
    monkeypatch.setattr(clock, "BACKOFF_SECONDS", (0.01,))
    clock.run(stop=stop, interval=0.01)

    assert len(calls) == 2


def test_the_clock_wakes_for_work_due_before_its_next_tick(monkeypatch):
    """A step due 50 ms from now is not left waiting for a tick a whole interval away."""
    ticks = []
    stop = threading.Event()

    def tick_with_work_due_soon(now):
        ticks.append(time.monotonic())
        if len(ticks) == 2:
            stop.set()
        return clock.TickReport(next_due=now + timedelta(milliseconds=50))

    monkeypatch.setattr(clock, "tick", tick_with_work_due_soon)
    clock.run(stop=stop, interval=30)

    assert ticks[1] - ticks[0] < 5, "woke for the due work, not after the 30 s interval"
