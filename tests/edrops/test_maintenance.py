"""Maintenance windows: planned work on a feed. Its heartbeat silence raises no alarm while the
window is on, and alarms at once when it ends with the feed still quiet; its dispatches are
recorded and page nobody (silent) or Slack only. Time is moved with time-machine and the
clock's `tick(now)` called directly, as in test_heartbeats."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from edrops import clock, selectors, services
from edrops.models import Event, MaintenanceWindow, Source
from edrops.permissions import Actor
from edrops.services.maintenance import WindowInput, end_window, plan_window, start_paging
from tests.edrops.conftest import MISO
from tests.factories import ContactRuleFactory, PersonFactory, TeamFactory
from tests.fakes.queue import run_queued_tasks

T0 = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 14:00 CST in Chicago, the team's zone
MIN = timedelta(minutes=1)
ALICE = "+13125550101"


@pytest.fixture
def now():
    """Time stands still at T0; `now.move(t)` jumps to t."""
    with time_machine.travel(T0, tick=False) as traveller:

        class Now:
            def move(self, moment: datetime) -> datetime:
                traveller.move_to(moment, tick=False)
                return moment

        yield Now()


@pytest.fixture
def alice(db):
    alice = PersonFactory(handle="alice", phone=ALICE, slack_user_id="U0ALICE", role="lead")
    ContactRuleFactory(person=alice, channel="sms", position=0)
    ContactRuleFactory(person=alice, channel="slack", position=1)
    ContactRuleFactory(person=alice, channel="voice", position=2, delay=MIN)
    return alice


@pytest.fixture
def team(alice):
    return TeamFactory(
        slug="grid-ops", timezone="America/Chicago", slack_channel="C0GRIDOPS", members=[alice]
    )


@pytest.fixture
def miso(now, team) -> Source:
    """miso-dispatch, created at T0: a heartbeat every 5 min with 1 min of grace."""
    source, _ = services.upsert_source(
        name="miso-dispatch",
        team=team,
        token="miso-t",
        heartbeat_interval=5 * MIN,
        heartbeat_grace=MIN,
    )
    return source


@pytest.fixture
def feed(now, team) -> Source:
    """miso-dispatch without a heartbeat monitor: its dispatches alone."""
    return services.upsert_source(name="miso-dispatch", team=team, token="miso-t")[0]


def window(alice, *, starts_at, ends_at, mode="silent", **covers) -> MaintenanceWindow:
    return plan_window(
        data=WindowInput(
            name="MISO EMS upgrade", starts_at=starts_at, ends_at=ends_at, mode=mode, **covers
        ),
        actor=Actor.of_person(alice),
        now=T0,
    )


def heartbeat(now, at: datetime) -> None:
    now.move(at)
    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    assert sender.post("/api/v1/heartbeat").status_code == 200


def tick(now, at: datetime) -> None:
    now.move(at)
    clock.tick(at)


def alarms(source: Source) -> list[Event]:
    return list(Event.objects.filter(source=source, external_id__startswith="edrops:silent:"))


@pytest.mark.django_db
def test_a_feed_silent_during_its_maintenance_alarms_the_moment_the_window_ends(miso, alice, now):
    window(alice, starts_at=T0 + 2 * MIN, ends_at=T0 + 30 * MIN, source=miso)
    heartbeat(now, T0 + MIN)  # then nothing: the feed is down for the upgrade

    tick(now, T0 + 7 * MIN)  # its deadline: inside the window
    assert alarms(miso) == []
    assert selectors.source_health(now=T0 + 7 * MIN)[0].next_due == T0 + 30 * MIN
    tick(now, T0 + 30 * MIN - timedelta(seconds=1))
    assert alarms(miso) == []
    assert selectors.next_silence_due(after=T0 + 29 * MIN) == T0 + 30 * MIN, "the clock wakes"

    tick(now, T0 + 30 * MIN)
    [alarm] = alarms(miso)
    assert alarm.summary == "miso-dispatch silent since 14:01 CST (no heartbeat for 29 min)"
    assert alarm.maintenance is None
    assert alarm.next_step_at is not None, "it pages"


@pytest.mark.django_db
def test_a_feed_back_before_the_window_ends_raises_nothing(miso, alice, now):
    window(alice, starts_at=T0, ends_at=T0 + 30 * MIN, team=miso.team)
    tick(now, T0 + 6 * MIN)
    heartbeat(now, T0 + 28 * MIN)  # back: due again at T0 + 34 min
    tick(now, T0 + 30 * MIN)
    assert alarms(miso) == []
    tick(now, T0 + 34 * MIN - timedelta(seconds=1))
    assert alarms(miso) == []
    tick(now, T0 + 34 * MIN)  # its own deadline, the window long over
    assert len(alarms(miso)) == 1


@pytest.mark.django_db
def test_a_window_ended_early_lets_a_still_silent_feed_alarm_at_the_next_tick(miso, alice, now):
    planned = window(alice, starts_at=T0, ends_at=T0 + 4 * 60 * MIN, source=miso)
    tick(now, T0 + 6 * MIN)
    assert alarms(miso) == []

    now.move(T0 + 15 * MIN)
    ended = end_window(window=planned, actor=Actor.of_person(alice), now=T0 + 15 * MIN)
    assert ended.ended_at == T0 + 15 * MIN
    assert ended.ended_by == "alice"
    tick(now, T0 + 15 * MIN + timedelta(seconds=1))
    [alarm] = alarms(miso)
    assert "no heartbeat for 15 min" in alarm.summary


@pytest.mark.django_db
def test_a_window_for_another_team_or_a_matcher_leaves_the_heartbeat_alone(miso, alice, now):
    other = TeamFactory(slug="market-ops")
    window(alice, starts_at=T0, ends_at=T0 + 60 * MIN, team=other)
    window(alice, starts_at=T0, ends_at=T0 + 60 * MIN, match={"market": "MISO"})
    tick(now, T0 + 6 * MIN)
    assert len(alarms(miso)) == 1


def post_dispatch(body=MISO) -> Event:
    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    response = sender.post("/api/v1/events", body, format="json")
    assert response.status_code == 202, response.content
    run_queued_tasks()
    return Event.objects.get(pk=response.json()["id"])


def kinds_and_details(event: Event) -> list[tuple[str, str]]:
    return [(item.kind, item.detail) for item in selectors.timeline(event=event)]


@pytest.mark.django_db(transaction=True)
def test_a_dispatch_in_a_silent_window_is_recorded_pages_nobody_and_pages_when_started(
    feed, alice, now, twilio, slack
):
    planned = window(alice, starts_at=T0, ends_at=T0 + 60 * MIN, match={"market": "MISO"})
    event = post_dispatch()
    tick(now, T0 + 10 * MIN)  # long past step 1's wait and the voice rule's delay
    run_queued_tasks()
    twilio.expect_nothing_more()
    slack.expect_nothing_more()

    event.refresh_from_db()
    assert event.status == Event.Status.TRIGGERED, "open on the board"
    assert (event.maintenance, event.maintenance_mode) == (planned, "silent")
    assert event.next_step_at is None
    assert event.last_step_at is None
    timeline = kinds_and_details(event)
    assert [kind for kind, _ in timeline[:2]] == ["received", "suppressed"]
    [(_kind, detail)] = [k for k in timeline if k[0] == "suppressed"]
    assert detail == (
        f"maintenance window 'MISO EMS upgrade' (#{planned.pk}, silent) until 15:00 CST: "
        "recorded, nobody paged; it pages only if someone escalates it"
    )

    assert start_paging(event=event, actor=Actor.of_person(alice), now=T0 + 10 * MIN)
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")
    slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
    event.refresh_from_db()
    assert event.maintenance == planned
    assert event.maintenance_mode == ""
    assert any(
        "paging started by alice, although it arrived during maintenance window" in detail
        for _, detail in kinds_and_details(event)
    )
    assert not start_paging(event=event, actor=None, now=T0 + 11 * MIN), "once"


@pytest.mark.django_db(transaction=True)
def test_a_dispatch_in_a_slack_only_window_reaches_slack_and_never_a_phone(
    feed, alice, now, twilio, slack
):
    planned = window(alice, starts_at=T0, ends_at=T0 + 60 * MIN, mode="slack", source=feed)
    event = post_dispatch()
    direct = slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
    assert direct.button("acknowledge")["value"] == str(event.pk)
    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW")
    tick(now, T0 + 30 * MIN)  # every later step and the voice rule's delay
    run_queued_tasks()
    twilio.expect_nothing_more()

    timeline = kinds_and_details(event)
    assert (
        "suppressed",
        f"maintenance window 'MISO EMS upgrade' (#{planned.pk}, slack) until 15:00 CST: "
        "paged on Slack only, no phone, SMS or email",
    ) in timeline
    assert any(k == "escalated" and "Slack only" in d for k, d in timeline)


@pytest.mark.django_db(transaction=True)
def test_slack_only_and_nobody_on_slack_posts_to_the_teams_channel(feed, now, twilio, slack):
    bob = PersonFactory(handle="bob", phone="+13125550102", slack_user_id="", role="lead")
    ContactRuleFactory(person=bob, channel="sms")
    feed.team.members.set([bob])
    window(bob, starts_at=T0, ends_at=T0 + 60 * MIN, mode="slack", team=feed.team)
    event = post_dispatch()
    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW")
    twilio.expect_nothing_more()
    assert any("bob has no Slack" in d for _, d in kinds_and_details(event))


@pytest.mark.django_db
def test_a_dispatch_outside_the_window_or_not_matching_pages_as_ever(feed, alice, now):
    window(alice, starts_at=T0 + 60 * MIN, ends_at=T0 + 120 * MIN, source=feed)
    window(alice, starts_at=T0, ends_at=T0 + 60 * MIN, match={"market": "PJM"})
    window(alice, starts_at=T0, ends_at=T0 + 60 * MIN, match={"market": "MISO", "severity": "low"})
    event = Event.objects.get(pk=post_dispatch_unrun())
    assert event.maintenance is None
    assert event.next_step_at == T0


def post_dispatch_unrun() -> str:
    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    response = sender.post("/api/v1/events", MISO, format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


@pytest.mark.django_db
def test_a_weekly_sunday_night_window_keeps_its_local_hours_across_both_dst_changes(
    feed, alice, now
):
    """Sundays 01:00-05:00 Central, from the last Sunday of CDT in October: 06:00-10:00 UTC
    before the fall change, 07:00-11:00 UTC after it, and 06:00-10:00 again from March. On the
    night of the change itself (Nov 1) 01:00 CDT to 05:00 CST is five hours."""
    chicago = "America/Chicago"
    first = datetime(2026, 10, 25, 6, 0, tzinfo=UTC)  # 01:00 CDT
    planned = window(
        alice,
        starts_at=first,
        ends_at=first + 4 * 60 * MIN,
        source=feed,
        rrule="FREQ=WEEKLY;BYDAY=SU",
        time_zone=chicago,
    )
    assert planned.series_ends_at is None, "repeats forever"

    def on(at: datetime) -> bool:
        return selectors.maintenance.covering_source(source=feed, now=at) is not None

    def utc(month_day: str, hour: int) -> datetime:
        return datetime.fromisoformat(f"{month_day}T{hour:02}:00+00:00")

    for sunday, starts, ends in [
        ("2026-10-25", utc("2026-10-25", 6), utc("2026-10-25", 10)),  # CDT
        ("2026-11-01", utc("2026-11-01", 6), utc("2026-11-01", 11)),  # 01:00 CDT - 05:00 CST
        ("2026-11-08", utc("2026-11-08", 7), utc("2026-11-08", 11)),  # CST
        ("2027-01-03", utc("2027-01-03", 7), utc("2027-01-03", 11)),
        ("2027-03-14", utc("2027-03-14", 7), utc("2027-03-14", 10)),  # 01:00 CST - 05:00 CDT
        ("2027-03-21", utc("2027-03-21", 6), utc("2027-03-21", 10)),  # CDT again
    ]:
        assert not on(starts - MIN), sunday
        assert on(starts), sunday
        assert on(ends - MIN), sunday
        assert not on(ends), sunday
    assert not on(datetime(2026, 11, 4, 8, 0, tzinfo=UTC)), "a Wednesday"

    # A dispatch on a Sunday at 02:30 local in January is held; one at 05:30 pages.
    now.move(datetime(2027, 1, 3, 8, 30, tzinfo=UTC))
    held = Event.objects.get(pk=post_dispatch_unrun())
    assert held.maintenance == planned
    assert held.next_step_at is None


@pytest.mark.django_db
def test_a_window_with_a_count_ends_after_its_last_occurrence(feed, alice, now):
    planned = window(
        alice,
        starts_at=T0,
        ends_at=T0 + 60 * MIN,
        source=feed,
        rrule="FREQ=DAILY;COUNT=3",
        time_zone="America/Chicago",
    )
    assert planned.series_ends_at == T0 + timedelta(days=2, hours=1)
    state = selectors.maintenance.window_state(window=planned, now=T0 + 2 * 60 * MIN)
    assert state.active is None
    assert state.next.starts_at == T0 + timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_escalating_a_dispatch_a_slack_only_window_kept_to_slack_pages_her_phone_too(
    feed, alice, now, twilio, slack
):
    window(alice, starts_at=T0, ends_at=T0 + 60 * MIN, mode="slack", source=feed)
    event = post_dispatch()
    slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
    twilio.expect_nothing_more()

    services.escalate_now(event=event, by=alice, via="web", at=now.move(T0 + MIN))
    run_queued_tasks()

    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")
    event.refresh_from_db()
    assert event.maintenance_mode == ""
    assert any(
        "no longer held by maintenance (slack): every channel" in detail
        for _, detail in kinds_and_details(event)
    )
