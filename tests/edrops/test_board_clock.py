"""The board's texts that move with the clock alone (an age, a respond-by countdown, when a feed
was last heard) read the same until the moment the poll's ETag says they change, and, for
those it knows exactly, differ at that moment: no board is left stale, and none is redrawn a
second before it has to be."""

from datetime import UTC, datetime, timedelta

from django.utils.timesince import timesince
from hypothesis import given, settings
from hypothesis import strategies as st

from edrops.dashboard.freshness import changes_at
from edrops.dashboard.selectors import since
from edrops.models import Event
from edrops.selectors.processes import SystemHealth
from edrops.selectors.silence import HeartbeatState, SourceHealth

NOW = datetime(2026, 3, 8, 7, 59, 30, 250_000, tzinfo=UTC)
# Up to five days either side, to the microsecond.
offsets = st.integers(min_value=-5 * 86_400_000_000, max_value=5 * 86_400_000_000).map(
    lambda us: timedelta(microseconds=us)
)
fractions = st.floats(min_value=0, max_value=1, exclude_max=True)


def board_at(now: datetime, *, received: datetime, respond_by: datetime, heard: datetime):
    """What the board shows at `now` of one triggered event and one feed."""
    left = since(now, respond_by) if respond_by > now else since(respond_by, now)
    return (since(received, now), left, respond_by <= now, timesince(heard, now))


def health(heard: datetime) -> SystemHealth:
    feed = SourceHealth(
        name="miso-dispatch",
        team="grid-ops",
        monitoring=False,
        last_heartbeat_at=heard,
        next_due=None,
        state=HeartbeatState.OFF,
        alarm_id=None,
    )
    return SystemHealth(database=True, last_seen={}, missing=[], sources=[feed])


@settings(max_examples=400, deadline=None)
@given(received=offsets, respond=offsets, heard=offsets, fraction=fractions)
def test_what_moves_with_the_clock_reads_the_same_until_the_tag_says_it_changes(
    received, respond, heard, fraction
):
    event = Event(
        status=Event.Status.TRIGGERED, created_at=NOW - received, respond_by=NOW + respond
    )
    shows = {"received": NOW - received, "respond_by": NOW + respond, "heard": NOW - heard}
    until = changes_at(now=NOW, events=[event], health=health(NOW - heard), windows=[], gaps=[])

    assert until is not None
    assert until > NOW - timedelta(seconds=1)
    before = max(NOW, until - timedelta(microseconds=1))
    between = NOW + (before - NOW) * fraction
    assert board_at(between, **shows) == board_at(NOW, **shows)
    assert board_at(before, **shows) == board_at(NOW, **shows)


@settings(max_examples=300, deadline=None)
@given(received=offsets, respond=offsets)
def test_an_age_or_a_countdown_changes_as_soon_as_the_tag_ends(received, respond):
    event = Event(
        status=Event.Status.TRIGGERED, created_at=NOW - received, respond_by=NOW + respond
    )
    until = changes_at(now=NOW, events=[event], health=health(NOW), windows=[], gaps=[])
    # The feed heard just now reads "0 minutes" for a minute: the event's texts decide.
    if until - NOW < timedelta(minutes=1):
        shows = {"received": NOW - received, "respond_by": NOW + respond, "heard": NOW}
        # A countdown's last second ends at the tag's end: it reads differently just after.
        after = until + timedelta(microseconds=1)
        assert board_at(after, **shows) != board_at(NOW, **shows)


@settings(max_examples=300, deadline=None)
@given(heard=st.integers(min_value=0, max_value=86_399_999_999).map(
    lambda us: timedelta(microseconds=us)
))  # fmt: skip
def test_last_heard_under_a_day_ago_changes_at_the_very_moment_the_tag_ends(heard):
    until = changes_at(now=NOW, events=[], health=health(NOW - heard), windows=[], gaps=[])
    assert timesince(NOW - heard, until) != timesince(NOW - heard, NOW)
    assert timesince(NOW - heard, until - timedelta(microseconds=1)) == timesince(NOW - heard, NOW)


def test_a_board_with_nothing_that_moves_never_changes_by_itself():
    quiet = SystemHealth(database=True, last_seen={}, missing=[], sources=[])
    assert changes_at(now=NOW, events=[], health=quiet, windows=[], gaps=[]) is None
