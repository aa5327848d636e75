"""Coverage gaps: every stretch in which a team's escalation policy reaches nobody. Rosters are
built relative to now, so the tests pass on any day of the year."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from rosters.coverage import Why, coverage_gaps
from rosters.models import ContactRule, Override
from tests.factories import PersonFactory, TeamFactory
from tests.rosters.factories import EscalationPolicyFactory, EscalationStepFactory, rotation

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


def starting_in(delta: timedelta) -> str:
    """A roster `start` (wall clock, Chicago) `delta` from now, to the minute."""
    return (timezone.now() + delta).astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")


def window(days: int = 7):
    now = timezone.now().replace(second=0, microsecond=0)
    return now, now + timedelta(days=days)


def test_a_rotation_that_starts_in_three_days_leaves_nobody_until_then():
    team = TeamFactory(slug="grid-ops")
    alice, bob = PersonFactory(handle="alice"), PersonFactory(handle="bob")
    primary = rotation(team=team, people=[alice, bob], start=starting_in(timedelta(days=3)),
                       shift=timedelta(days=1))  # fmt: skip
    start, end = window()

    [gap] = coverage_gaps(team=team, start=start, end=end)

    assert gap.why == Why.NOBODY_ON_CALL
    assert gap.starts_at == start
    assert gap.ends_at == primary.first_handoff_local.replace(tzinfo=CHICAGO)
    assert gap.detail == "rotation primary has nobody"


def test_an_override_fills_part_of_a_gap_and_leaves_two():
    team = TeamFactory(slug="grid-ops")
    alice = PersonFactory(handle="alice")
    primary = rotation(team=team, people=[alice], start=starting_in(timedelta(days=3)),
                       shift=timedelta(days=1))  # fmt: skip
    start, end = window()
    Override.objects.create(
        rotation=primary, person=alice,
        starts_at=start + timedelta(days=1), ends_at=start + timedelta(days=2),
    )  # fmt: skip

    gaps = coverage_gaps(team=team, start=start, end=end)

    assert (gaps[0].starts_at - start, gaps[0].ends_at - start) == (
        timedelta(0),
        timedelta(days=1),
    )
    assert len(gaps) == 2
    assert gaps[1].starts_at == start + timedelta(days=2)


def test_someone_on_call_whom_nothing_reaches_is_a_gap_too():
    team = TeamFactory(slug="grid-ops")
    mute = PersonFactory(handle="mute", phone="", slack_user_id="", email="")
    ContactRule.objects.create(person=mute, channel="sms", delay=timedelta(0))
    rotation(
        team=team, people=[mute], start=starting_in(-timedelta(days=1)), shift=timedelta(weeks=1)
    )
    start, end = window(days=2)

    [gap] = coverage_gaps(team=team, start=start, end=end)

    assert (gap.why, gap.starts_at, gap.ends_at) == (Why.NO_CONTACT_METHOD, start, end)
    assert gap.detail == "mute: SMS: no phone number"


def test_a_slack_only_person_covers_only_their_working_hours():
    team = TeamFactory(slug="grid-ops")
    day = PersonFactory(handle="day", phone="", email="", timezone="America/Chicago")
    day.work_starts, day.work_ends = (
        timezone.datetime(2000, 1, 1, 8).time(),
        timezone.datetime(2000, 1, 1, 18).time(),
    )
    day.save()
    rotation(
        team=team, people=[day], start=starting_in(-timedelta(days=1)), shift=timedelta(weeks=1)
    )
    start, end = window(days=2)

    gaps = coverage_gaps(team=team, start=start, end=end)

    assert gaps
    assert {g.why for g in gaps} == {Why.WORKING_HOURS_ONLY}
    for gap in gaps:  # every gap is outside 08:00-18:00 Chicago
        local = gap.starts_at.astimezone(CHICAGO)
        assert not (8 <= local.hour < 18) or gap.starts_at == start
        assert gap.ends_at == end or gap.ends_at.astimezone(CHICAGO).hour == 8
    assert "day works 08:00-18:00 America/Chicago" in gaps[0].detail


def test_a_person_with_a_phone_covers_the_night_and_a_full_roster_has_no_gap():
    team = TeamFactory(slug="grid-ops")
    alice, bob = PersonFactory(handle="alice"), PersonFactory(handle="bob")
    rotation(
        team=team,
        people=[alice, bob],
        start=starting_in(-timedelta(days=1)),
        shift=timedelta(days=1),
    )
    start, end = window()

    assert coverage_gaps(team=team, start=start, end=end) == []


def test_a_step_that_names_a_person_covers_an_empty_rotation():
    team = TeamFactory(slug="grid-ops")
    lead = PersonFactory(handle="lead")
    rotation(team=team, people=[], start=starting_in(-timedelta(days=1)), shift=timedelta(days=1))
    policy = EscalationPolicyFactory(team=team)
    EscalationStepFactory(policy=policy, targets=["rotation:primary"], wait=timedelta(minutes=5))
    start, end = window()
    assert [g.why for g in coverage_gaps(team=team, start=start, end=end)] == [Why.NOBODY_ON_CALL]

    EscalationStepFactory(policy=policy, targets=[f"person:{lead.handle}"], position=2)

    assert coverage_gaps(team=team, start=start, end=end) == []
