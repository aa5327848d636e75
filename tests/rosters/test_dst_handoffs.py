"""Handoffs keep their local wall-clock time across DST, in America/Chicago and Europe/Berlin.

Each case lists three handoffs as UTC instants worked out by hand from the zone's offsets;
the shift between the 2nd and 3rd (or 1st and 2nd) spans the change of clocks.
"""

from datetime import UTC, datetime, timedelta

import pytest

from rosters.selectors import on_call
from tests.factories import PersonFactory, TeamFactory
from tests.rosters.factories import rotation

pytestmark = pytest.mark.django_db

DAY, WEEK = timedelta(days=1), timedelta(weeks=1)


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


CASES = [
    # --- America/Chicago, spring forward 2026-03-08 02:00 CST -> 03:00 CDT (08:00Z)
    (
        "America/Chicago",
        "2026-03-07T01:30",
        DAY,
        ["03-07T07:30", "03-08T07:30", "03-09T06:30"],
        [24, 23],
    ),
    # 02:30 doesn't exist on the 8th: that handoff is at 03:30 CDT, the same instant as 02:30 CST.
    (
        "America/Chicago",
        "2026-03-07T02:30",
        DAY,
        ["03-07T08:30", "03-08T08:30", "03-09T07:30"],
        [24, 23],
    ),
    (
        "America/Chicago",
        "2026-03-07T09:00",
        DAY,
        ["03-07T15:00", "03-08T14:00", "03-09T14:00"],
        [23, 24],
    ),
    (
        "America/Chicago",
        "2026-03-01T01:30",
        WEEK,
        ["03-01T07:30", "03-08T07:30", "03-15T06:30"],
        [168, 167],
    ),
    (
        "America/Chicago",
        "2026-03-01T02:30",
        WEEK,
        ["03-01T08:30", "03-08T08:30", "03-15T07:30"],
        [168, 167],
    ),
    (
        "America/Chicago",
        "2026-03-02T09:00",
        WEEK,
        ["03-02T15:00", "03-09T14:00", "03-16T14:00"],
        [167, 168],
    ),
    # --- America/Chicago, fall back 2026-11-01 02:00 CDT -> 01:00 CST (07:00Z)
    # 01:30 happens twice on the 1st: the handoff is at the first (CDT).
    (
        "America/Chicago",
        "2026-10-31T01:30",
        DAY,
        ["10-31T06:30", "11-01T06:30", "11-02T07:30"],
        [24, 25],
    ),
    (
        "America/Chicago",
        "2026-10-31T02:30",
        DAY,
        ["10-31T07:30", "11-01T08:30", "11-02T08:30"],
        [25, 24],
    ),
    (
        "America/Chicago",
        "2026-10-31T09:00",
        DAY,
        ["10-31T14:00", "11-01T15:00", "11-02T15:00"],
        [25, 24],
    ),
    (
        "America/Chicago",
        "2026-10-25T01:30",
        WEEK,
        ["10-25T06:30", "11-01T06:30", "11-08T07:30"],
        [168, 169],
    ),
    (
        "America/Chicago",
        "2026-10-25T02:30",
        WEEK,
        ["10-25T07:30", "11-01T08:30", "11-08T08:30"],
        [169, 168],
    ),
    (
        "America/Chicago",
        "2026-10-26T09:00",
        WEEK,
        ["10-26T14:00", "11-02T15:00", "11-09T15:00"],
        [169, 168],
    ),
    # --- Europe/Berlin, spring forward 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z)
    (
        "Europe/Berlin",
        "2026-03-28T01:30",
        DAY,
        ["03-28T00:30", "03-29T00:30", "03-29T23:30"],
        [24, 23],
    ),
    (
        "Europe/Berlin",
        "2026-03-28T02:30",
        DAY,
        ["03-28T01:30", "03-29T01:30", "03-30T00:30"],
        [24, 23],
    ),
    (
        "Europe/Berlin",
        "2026-03-28T09:00",
        DAY,
        ["03-28T08:00", "03-29T07:00", "03-30T07:00"],
        [23, 24],
    ),
    (
        "Europe/Berlin",
        "2026-03-22T02:30",
        WEEK,
        ["03-22T01:30", "03-29T01:30", "04-05T00:30"],
        [168, 167],
    ),
    (
        "Europe/Berlin",
        "2026-03-23T09:00",
        WEEK,
        ["03-23T08:00", "03-30T07:00", "04-06T07:00"],
        [167, 168],
    ),
    # --- Europe/Berlin, fall back 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z)
    (
        "Europe/Berlin",
        "2026-10-24T01:30",
        DAY,
        ["10-23T23:30", "10-24T23:30", "10-26T00:30"],
        [24, 25],
    ),
    # 02:30 happens twice on the 25th: the handoff is at the first (CEST).
    (
        "Europe/Berlin",
        "2026-10-24T02:30",
        DAY,
        ["10-24T00:30", "10-25T00:30", "10-26T01:30"],
        [24, 25],
    ),
    (
        "Europe/Berlin",
        "2026-10-24T09:00",
        DAY,
        ["10-24T07:00", "10-25T08:00", "10-26T08:00"],
        [25, 24],
    ),
    (
        "Europe/Berlin",
        "2026-10-18T02:30",
        WEEK,
        ["10-18T00:30", "10-25T00:30", "11-01T01:30"],
        [168, 169],
    ),
    (
        "Europe/Berlin",
        "2026-10-19T09:00",
        WEEK,
        ["10-19T07:00", "10-26T08:00", "11-02T08:00"],
        [169, 168],
    ),
]


@pytest.mark.parametrize(
    ("zone", "start", "shift", "handoffs", "hours"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{'weekly' if c[2] == WEEK else 'daily'}" for c in CASES],
)
def test_handoffs_keep_local_wall_clock_time_across_dst(zone, start, shift, handoffs, hours):
    alice, bob, carol = (PersonFactory(handle=h) for h in ("alice", "bob", "carol"))
    team = TeamFactory(timezone=zone)
    primary = rotation(team=team, people=[alice, bob, carol], start=start, shift=shift, tz=zone)
    h0, h1, h2 = (z(f"2026-{h}") for h in handoffs)
    assert [(h1 - h0) / timedelta(hours=1), (h2 - h1) / timedelta(hours=1)] == hours

    def who(at):
        [entry] = on_call(rotation=primary, at=at)
        return (entry.person.handle if entry.person else None), entry.until

    minute = timedelta(minutes=1)
    assert who(h0 - minute) == (None, h0)  # before the first handoff: nobody, visibly
    assert who(h0) == ("alice", h1)
    assert who(h1 - minute) == ("alice", h1)
    assert who(h1) == ("bob", h2)
    assert who(h2 - minute) == ("bob", h2)
    assert who(h2)[0] == "carol"


def test_who_is_on_call_at_0300_on_the_night_dst_ends_in_chicago():
    alice, bob = PersonFactory(handle="alice"), PersonFactory(handle="bob")
    team = TeamFactory(slug="grid-ops")
    rotation(team=team, people=[alice, bob], start="2026-10-26T09:00", shift=WEEK)
    # 2026-11-01 03:00 CST is 09:00Z: Alice's week (from Mon 26 Oct 09:00 CDT) is still running,
    # and ends Mon 2 Nov 09:00 CST, 169 hours after it began.
    [entry] = on_call(team=team, at=z("2026-11-01T09:00"))
    assert entry.person == alice
    assert entry.until == z("2026-11-02T15:00")


def test_the_repeated_hour_of_fall_back_is_read_by_the_instant_not_the_wall_clock():
    people = [PersonFactory(handle=h) for h in ("alice", "bob", "carol")]
    team = TeamFactory()
    daily = rotation(team=team, people=people, start="2026-10-30T01:30", shift=DAY)
    # Handoff of 1 Nov is at the first 01:30 (CDT, 06:30Z); at the second 01:30 (CST, 07:30Z),
    # an hour later, carol already holds the pager and keeps it until 2 Nov 01:30 CST.
    [first] = on_call(rotation=daily, at=z("2026-11-01T06:29"))
    [second] = on_call(rotation=daily, at=z("2026-11-01T07:30"))
    assert first.person.handle == "bob"
    assert (second.person.handle, second.until) == ("carol", z("2026-11-02T07:30"))
