"""The rotation arithmetic on its own (no database), checked at many instants around the
DST changes of three zones: whatever the instant, `until` is the first moment the holder
changes, and nothing changes before it."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rosters.shifts import Schedule, Span

ZONES = ["America/Chicago", "Europe/Berlin", "Australia/Sydney"]
SHIFTS = [
    timedelta(hours=1),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(days=1),
    timedelta(weeks=1),
]
STARTS = ["01:30", "02:00", "02:30", "09:00"]


@pytest.mark.parametrize("zone", ZONES)
def test_until_is_the_first_change_and_nothing_changes_before_it(zone):
    rng = random.Random(zone)  # the same instants every run
    tz = ZoneInfo(zone)
    for _ in range(300):
        start = datetime.fromisoformat(
            f"2026-{rng.choice(['02-27', '03-06', '10-01', '10-30'])}T{rng.choice(STARTS)}"
        )
        people = ["alice", "bob", "carol"][: rng.randint(1, 3)]
        base = start.replace(tzinfo=tz).astimezone(UTC)
        overrides = [
            Span("dan", s, s + timedelta(hours=rng.randint(1, 30)))
            for s in (
                base + timedelta(hours=rng.randint(0, 24 * 20)) for _ in range(rng.randint(0, 2))
            )
        ]
        schedule = Schedule(tz, start, rng.choice(SHIFTS), people, overrides)
        at = base + timedelta(minutes=rng.randint(-600, 60 * 24 * 40))
        holder, _ = schedule.who(at)
        until = schedule.until(at)
        if until is None:
            assert len(set(people)) == 1 or not people
            continue
        assert until > at
        assert schedule.who(until)[0] != holder
        # Nothing changes in between: every handoff and override edge here falls on a
        # half hour (UTC), so looking at each half hour on the way sees any change.
        probe = at.replace(minute=30 if at.minute >= 30 else 0, second=0, microsecond=0)
        while (probe := probe + timedelta(minutes=30)) < until:
            assert schedule.who(probe)[0] == holder, (zone, start, at, probe, until)
        assert schedule.who(until - timedelta(microseconds=1))[0] == holder


def test_a_handoff_in_the_spring_forward_gap_happens_after_it():
    chicago = ZoneInfo("America/Chicago")
    daily = Schedule(chicago, datetime(2026, 3, 7, 2, 30), timedelta(days=1), ["alice", "bob"])
    assert daily.handoff(1).astimezone(chicago).strftime("%d %H:%M %Z") == "08 03:30 CDT"


def test_a_handoff_in_the_repeated_fall_back_hour_happens_at_the_first_of_the_two():
    berlin = ZoneInfo("Europe/Berlin")
    daily = Schedule(berlin, datetime(2026, 10, 24, 2, 30), timedelta(days=1), ["alice", "bob"])
    assert daily.handoff(1).astimezone(berlin).strftime("%d %H:%M %Z") == "25 02:30 CEST"
