"""Who is on call, and until when: overrides, empty rotations, follow-the-sun, many teams."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from rosters.selectors import on_call, on_call_for_teams, shifts
from tests.factories import PersonFactory, TeamFactory
from tests.rosters.factories import override, rotation

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
WEEK = timedelta(weeks=1)


def chicago(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


@pytest.fixture
def grid_ops():
    """alice and bob take weekly turns from Mon 2 Nov 2026 09:00 CST; carol covers sometimes."""
    alice, bob, carol = (PersonFactory(handle=h) for h in ("alice", "bob", "carol"))
    team = TeamFactory(slug="grid-ops", members=[alice, bob, carol])
    primary = rotation(team=team, people=[alice, bob], start="2026-11-02T09:00", shift=WEEK)
    return SimpleNamespace(team=team, primary=primary, alice=alice, bob=bob, carol=carol)


def holder(team, at):
    [entry] = on_call(team=team, at=at)
    return (entry.person.handle if entry.person else None), entry.until


def test_an_override_in_the_middle_of_a_shift_cuts_it_short_and_gives_it_back(grid_ops):
    override(
        rotation=grid_ops.primary,
        person=grid_ops.carol,
        start="2026-11-05T12:00",
        end="2026-11-06T12:00",
    )
    assert holder(grid_ops.team, chicago("2026-11-04T12:00")) == (
        "alice",
        chicago("2026-11-05T12:00"),
    )
    assert holder(grid_ops.team, chicago("2026-11-05T12:00")) == (
        "carol",
        chicago("2026-11-06T12:00"),
    )
    assert holder(grid_ops.team, chicago("2026-11-06T12:00")) == (
        "alice",
        chicago("2026-11-09T09:00"),
    )


def test_an_override_starting_at_a_handoff_replaces_the_incoming_person(grid_ops):
    override(
        rotation=grid_ops.primary,
        person=grid_ops.carol,
        start="2026-11-09T09:00",
        end="2026-11-10T09:00",
    )
    assert holder(grid_ops.team, chicago("2026-11-09T08:59")) == (
        "alice",
        chicago("2026-11-09T09:00"),
    )
    assert holder(grid_ops.team, chicago("2026-11-09T09:00")) == (
        "carol",
        chicago("2026-11-10T09:00"),
    )
    assert holder(grid_ops.team, chicago("2026-11-10T09:00")) == (
        "bob",
        chicago("2026-11-16T09:00"),
    )


def test_an_override_ending_at_a_handoff_hands_straight_to_the_next_person(grid_ops):
    override(
        rotation=grid_ops.primary,
        person=grid_ops.carol,
        start="2026-11-08T09:00",
        end="2026-11-09T09:00",
    )
    assert holder(grid_ops.team, chicago("2026-11-08T09:00")) == (
        "carol",
        chicago("2026-11-09T09:00"),
    )
    assert holder(grid_ops.team, chicago("2026-11-09T09:00")) == (
        "bob",
        chicago("2026-11-16T09:00"),
    )


def test_an_override_spanning_a_handoff_holds_across_it(grid_ops):
    override(
        rotation=grid_ops.primary,
        person=grid_ops.carol,
        start="2026-11-08T18:00",
        end="2026-11-10T09:00",
    )
    assert holder(grid_ops.team, chicago("2026-11-09T09:00")) == (
        "carol",
        chicago("2026-11-10T09:00"),
    )


def test_an_override_by_the_person_already_on_call_is_not_a_change(grid_ops):
    override(
        rotation=grid_ops.primary,
        person=grid_ops.alice,
        start="2026-11-09T09:00",
        end="2026-11-10T09:00",
    )
    # Alice keeps the pager a day into Bob's week: her `until` is when Bob really takes it.
    assert holder(grid_ops.team, chicago("2026-11-03T09:00")) == (
        "alice",
        chicago("2026-11-10T09:00"),
    )


def test_overrides_that_ended_no_longer_count(grid_ops):
    override(
        rotation=grid_ops.primary,
        person=grid_ops.carol,
        start="2026-11-02T09:00",
        end="2026-11-03T09:00",
    )
    assert holder(grid_ops.team, chicago("2026-11-03T09:00")) == (
        "alice",
        chicago("2026-11-09T09:00"),
    )


def test_an_empty_rotation_is_on_call_for_nobody_visibly_not_an_error():
    team = TeamFactory()
    empty = rotation(team=team, people=[], start="2026-11-02T09:00", shift=WEEK)
    assert holder(team, chicago("2026-11-20T03:00")) == (None, None)
    # ...until somebody covers it.
    dan = PersonFactory(handle="dan")
    override(rotation=empty, person=dan, start="2026-11-21T00:00", end="2026-11-22T00:00")
    assert holder(team, chicago("2026-11-20T03:00")) == (None, chicago("2026-11-21T00:00"))
    assert holder(team, chicago("2026-11-21T03:00")) == ("dan", chicago("2026-11-22T00:00"))


def test_a_team_without_rotations_has_nobody_on_call():
    assert on_call(team=TeamFactory(), at=datetime(2026, 11, 20, tzinfo=UTC)) == []


def test_a_one_person_rotation_never_changes_hands(grid_ops):
    solo = rotation(
        team=grid_ops.team,
        name="solo",
        people=[grid_ops.alice],
        start="2026-11-02T09:00",
        shift=WEEK,
    )
    [entry] = on_call(rotation=solo, at=chicago("2026-11-20T03:00"))
    assert (entry.person, entry.until) == (grid_ops.alice, None)


def test_a_team_answers_for_each_of_its_rotations(grid_ops):
    rotation(
        team=grid_ops.team,
        name="secondary",
        people=[grid_ops.bob, grid_ops.carol],
        start="2026-11-02T09:00",
        shift=WEEK,
    )
    answer = on_call(team=grid_ops.team, at=chicago("2026-11-03T03:00"))
    assert [(e.rotation.name, e.person.handle) for e in answer] == [
        ("primary", "alice"),
        ("secondary", "bob"),
    ]


def test_follow_the_sun_splits_the_day_between_sydney_berlin_and_chicago():
    sam = PersonFactory(handle="sam", timezone="Australia/Sydney")
    greta = PersonFactory(handle="greta", timezone="Europe/Berlin")
    carol = PersonFactory(handle="carol", timezone="America/Chicago")
    team = TeamFactory(slug="market-ops", timezone="UTC")
    sun = rotation(
        team=team,
        name="follow-the-sun",
        tz="UTC",
        people=[sam, greta, carol],
        start="2026-11-01T22:00",
        shift=timedelta(hours=8),
    )
    day = datetime(2026, 11, 18, 22, 0, tzinfo=UTC)
    pieces = shifts(team=team, start=day, end=day + timedelta(days=1))
    local = [
        (
            s.person.handle,
            s.starts_at.astimezone(s.person.tz).strftime("%H:%M"),
            s.ends_at.astimezone(s.person.tz).strftime("%H:%M"),
        )
        for s in pieces
    ]
    # Each region holds the pager for 8 hours of its own working day.
    assert local == [
        ("sam", "09:00", "17:00"),
        ("greta", "07:00", "15:00"),
        ("carol", "08:00", "16:00"),
    ]
    [entry] = on_call(rotation=sun, at=day + timedelta(hours=9))
    assert (entry.person, entry.until) == (greta, day + timedelta(hours=16))


def test_on_call_for_many_teams_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    people = [PersonFactory() for _ in range(6)]
    teams = []
    for i in range(500):
        team = TeamFactory(slug=f"team-{i:03}")
        primary = rotation(
            team=team, people=people[i % 3 : i % 3 + 3], start="2026-11-02T09:00", shift=WEEK
        )
        rotation(
            team=team, name="secondary", people=people[3:], start="2026-11-02T09:00", shift=WEEK
        )
        if i % 10 == 0:
            override(
                rotation=primary, person=people[5], start="2026-11-20T00:00", end="2026-11-21T00:00"
            )
        teams.append(team)
    at = chicago("2026-11-20T03:00")
    with django_assert_max_num_queries(4):
        answers = on_call_for_teams(teams=teams, at=at)
        assert len(answers) == 500
        assert all(len(entries) == 2 for entries in answers.values())
    assert answers[teams[0].pk][0].person == people[5]  # the override
    assert answers[teams[1].pk][0].person == people[3]  # [1, 2, 3], third week


def test_shifts_of_a_person_are_theirs_only_across_teams(grid_ops):
    other = TeamFactory(slug="market-ops", members=[grid_ops.alice])
    rotation(
        team=other,
        people=[grid_ops.bob, grid_ops.alice],
        start="2026-11-02T09:00",
        shift=timedelta(days=1),
    )
    start = chicago("2026-11-02T09:00")
    found = shifts(person=grid_ops.alice, start=start, end=start + timedelta(days=4))
    assert [(s.rotation.team.slug, s.starts_at.astimezone(CHICAGO).day) for s in found] == [
        ("grid-ops", 2),
        ("market-ops", 3),
        ("market-ops", 5),
    ]
