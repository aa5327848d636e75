"""Heartbeats: a feed that goes quiet pages its team once, at its deadline; the next heartbeat
resolves the alarm. The clock's `tick(now)` is called directly with time moved by time-machine."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django_q.models import OrmQ
from rest_framework.test import APIClient

from edrops import clock, selectors, services
from edrops.models import Event, Source, TimelineEntry
from tests.edrops.conftest import example
from tests.factories import ContactRuleFactory, PersonFactory, TeamFactory
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 14:00 CST in Chicago, the team's zone
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
TOKEN = "miso-secret-token"


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
def team(db):
    return TeamFactory(slug="grid-ops", name="Grid Operations", timezone="America/Chicago")


@pytest.fixture
def miso(now, team) -> Source:
    """miso-dispatch, created at T0, heartbeat every 5 min with 1 min of grace."""
    source, _ = services.upsert_source(
        name="miso-dispatch",
        team=team,
        token=TOKEN,
        heartbeat_interval=5 * MIN,
        heartbeat_grace=1 * MIN,
    )
    return source


@pytest.fixture
def sender():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


def heartbeat(sender, now, at: datetime):
    now.move(at)
    response = sender.post("/api/v1/heartbeat")
    assert response.status_code == 200, response.content
    return response.json()


def tick(now, at: datetime) -> int:
    now.move(at)
    return clock.tick(at).enqueued["silence_alarms"]


def alarms(source: Source) -> list[Event]:
    return list(Event.objects.filter(source=source, external_id__startswith="edrops:silent:"))


def timeline(event: Event) -> list[tuple[str, str]]:
    return list(TimelineEntry.objects.filter(event=event).values_list("kind", "detail"))


def escalation_tasks_for(event: Event) -> int:
    return sum(
        1
        for q in OrmQ.objects.all()
        if q.task["func"] == "edrops.tasks.run_escalation_step"
        and q.task["args"][0] == str(event.id)
    )


def test_a_silent_source_pages_its_team_at_its_deadline_and_not_a_second_before(miso, sender, now):
    reply = heartbeat(sender, now, T0 + 1 * MIN)
    deadline = T0 + 7 * MIN  # the heartbeat + 5 min interval + 1 min grace
    assert datetime.fromisoformat(reply["next_due"]) == deadline

    assert tick(now, deadline - SEC) == 0
    assert alarms(miso) == []

    assert tick(now, deadline) == 1
    [alarm] = alarms(miso)
    assert alarm.summary == "miso-dispatch silent since 14:01 CST (no heartbeat for 6 min)"
    assert alarm.status == Event.Status.TRIGGERED
    assert alarm.severity == "high"
    assert alarm.team.slug == "grid-ops"
    assert alarm.integration == "edrops"
    assert alarm.created_at == deadline
    assert escalation_tasks_for(alarm) == 1, "its team is paged like for any event"


@pytest.mark.django_db(transaction=True)
def test_alice_is_texted_when_the_feed_goes_silent_and_told_when_it_is_back(twilio, now):
    alice = PersonFactory(handle="alice", phone="+13125550101", timezone="America/Chicago")
    ContactRuleFactory(person=alice, channel="sms")
    team = TeamFactory(slug="grid-ops", timezone="America/Chicago", members=[alice])
    _, token = services.upsert_source(
        name="miso-dispatch", team=team, heartbeat_interval=5 * MIN, heartbeat_grace=MIN
    )
    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    tick(now, T0 + 6 * MIN)
    run_queued_tasks()
    twilio.expect_sms(
        to=alice.phone, containing="miso-dispatch silent since 14:00 CST (no heartbeat for 6 min)"
    )

    heartbeat(sender, now, T0 + 9 * MIN)
    run_queued_tasks()
    twilio.expect_sms(to=alice.phone, containing="resolved by source:miso-dispatch via heartbeat")
    tick(now, T0 + 15 * MIN - SEC)  # alive until its next deadline
    run_queued_tasks()
    twilio.expect_nothing_more()


def test_the_clock_wakes_for_the_next_heartbeat_deadline_not_the_next_whole_second(
    miso, sender, now
):
    heartbeat(sender, now, T0 + 1 * MIN + 300 * timedelta(milliseconds=1))
    report = clock.tick(now.move(T0 + 2 * MIN))
    assert report.next_due == T0 + 7 * MIN + timedelta(milliseconds=300)


def test_the_alarm_takes_the_sources_heartbeat_severity(miso, now):
    Source.objects.filter(pk=miso.pk).update(heartbeat_severity="critical")
    tick(now, T0 + 6 * MIN)
    assert [a.severity for a in alarms(miso)] == ["critical"]


def test_one_outage_is_one_alarm_however_many_ticks_see_it(miso, sender, now):
    heartbeat(sender, now, T0)
    raised = [tick(now, T0 + 6 * MIN + s * SEC) for s in range(5)]
    raised += [tick(now, T0 + 30 * MIN), tick(now, T0 + 3 * 60 * MIN)]
    assert raised == [1, 0, 0, 0, 0, 0, 0]
    assert len(alarms(miso)) == 1


def test_the_next_heartbeat_resolves_the_alarm_and_the_timeline_says_how_long_it_was_silent(
    miso, sender, now
):
    heartbeat(sender, now, T0)
    tick(now, T0 + 6 * MIN)
    [alarm] = alarms(miso)

    back_at = T0 + 13 * MIN + 12 * SEC
    reply = heartbeat(sender, now, back_at)

    alarm.refresh_from_db()
    assert alarm.status == Event.Status.RESOLVED
    assert (alarm.closed_by_name, alarm.closed_via, alarm.closed_at) == (
        "source:miso-dispatch",
        "heartbeat",
        back_at,
    )
    assert timeline(alarm)[-2:] == [
        ("received", "heartbeat back after 13 min of silence"),
        ("resolved", "resolved by source:miso-dispatch via heartbeat"),
    ]
    assert datetime.fromisoformat(reply["next_due"]) == back_at + 6 * MIN


def test_after_it_came_back_the_next_outage_is_a_new_alarm(miso, sender, now):
    heartbeat(sender, now, T0)
    tick(now, T0 + 6 * MIN)
    heartbeat(sender, now, T0 + 10 * MIN)

    assert tick(now, T0 + 16 * MIN - SEC) == 0
    assert tick(now, T0 + 16 * MIN) == 1
    first, second = sorted(alarms(miso), key=lambda e: e.created_at)
    assert first.status == Event.Status.RESOLVED
    assert second.status == Event.Status.TRIGGERED
    assert second.summary == "miso-dispatch silent since 14:10 CST (no heartbeat for 6 min)"


def test_an_alarm_a_person_resolved_stays_the_only_one_until_the_source_is_heard_again(
    miso, sender, now, staff
):
    tick(now, T0 + 6 * MIN)
    [alarm] = alarms(miso)
    services.resolve(event=alarm, by=None, user=staff, via="web", at=T0 + 8 * MIN)

    assert tick(now, T0 + 60 * MIN) == 0
    assert selectors.source_health(now=T0 + 60 * MIN)[0].state == "silent"

    heartbeat(sender, now, T0 + 61 * MIN)
    alarm.refresh_from_db()
    assert alarm.closed_via == "web", "the person's resolution stands"
    assert timeline(alarm)[-1] == ("received", "heartbeat back after 1 h 1 min of silence")
    assert selectors.source_health(now=T0 + 61 * MIN)[0].state == "ok"


def test_a_source_with_heartbeats_off_never_alarms(team, now):
    source, token = services.upsert_source(name="pjm-dr", team=team)
    for minutes in (5, 60, 24 * 60, 30 * 24 * 60):
        assert tick(now, T0 + minutes * MIN) == 0
    assert alarms(source) == []

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    reply = client.get("/api/v1/heartbeat").json()
    assert reply == {
        "source": "pjm-dr",
        "monitoring": False,
        "next_due": None,
        "last_heartbeat_at": reply["last_heartbeat_at"],
    }
    assert tick(now, T0 + 31 * 24 * 60 * MIN) == 0


def test_a_new_source_does_not_alarm_before_its_first_interval_and_grace(miso, now):
    assert tick(now, T0 + 6 * MIN - SEC) == 0
    assert tick(now, T0 + 6 * MIN) == 1
    [alarm] = alarms(miso)
    assert alarm.summary == "miso-dispatch silent since 14:00 CST (no heartbeat for 6 min)"


def test_an_accepted_event_counts_as_life_and_ends_an_outage(miso, sender, now):
    now.move(T0 + 4 * MIN)
    assert (
        sender.post("/api/v1/events", example("miso-lmr-dispatch.json"), format="json").status_code
        == 202
    )
    assert tick(now, T0 + 6 * MIN) == 0, "the event at +4 min moved the deadline to +10 min"
    assert tick(now, T0 + 10 * MIN) == 1
    [alarm] = alarms(miso)

    now.move(T0 + 12 * MIN)
    cancel = example("miso-lmr-cancel.json")
    assert sender.post("/api/v1/events", cancel, format="json").status_code == 202
    alarm.refresh_from_db()
    assert alarm.status == Event.Status.RESOLVED
    assert alarm.closed_via == "heartbeat"


def test_a_source_whose_events_do_not_count_as_life_alarms_even_while_it_sends_events(
    miso, sender, now
):
    Source.objects.filter(pk=miso.pk).update(events_count_as_life=False)
    now.move(T0 + 4 * MIN)
    sender.post("/api/v1/events", example("miso-lmr-dispatch.json"), format="json")
    assert tick(now, T0 + 6 * MIN) == 1


def test_a_heartbeat_read_just_before_the_alarm_was_raised_still_resolves_it(miso, now):
    read_by_authentication = Source.objects.get(pk=miso.pk)  # not silent yet
    tick(now, T0 + 6 * MIN)
    [alarm] = alarms(miso)

    services.record_life(source=read_by_authentication, now=T0 + 6 * MIN)

    alarm.refresh_from_db()
    assert alarm.status == Event.Status.RESOLVED
    assert Source.objects.get(pk=miso.pk).heartbeat_alarm is None


def test_a_busy_source_writes_its_life_at_most_once_a_second(
    miso, sender, now, django_assert_num_queries
):
    services.record_life(source=miso, now=T0)
    with django_assert_num_queries(0):
        services.record_life(source=miso, now=T0 + SEC / 2)
    with django_assert_num_queries(1):
        life = services.record_life(source=miso, now=T0 + 2 * SEC)
    assert life.next_due == T0 + 2 * SEC + 6 * MIN
    assert Source.objects.get(pk=miso.pk).heartbeat_due_at == T0 + 2 * SEC + 6 * MIN


def test_a_shorter_interval_counts_from_the_last_heartbeat(miso, sender, team, now):
    heartbeat(sender, now, T0 + 1 * MIN)
    now.move(T0 + 3 * MIN)
    services.upsert_source(
        name="miso-dispatch", team=team, heartbeat_interval=1 * MIN, heartbeat_grace=30 * SEC
    )
    assert tick(now, T0 + 2 * MIN + 29 * SEC) == 0
    # Already past the new deadline (heard at +1 min, 1 min + 30 s): the next tick alarms.
    assert tick(now, T0 + 3 * MIN) == 1


def test_switching_heartbeats_on_counts_from_then_and_off_disarms(team, now):
    source, _ = services.upsert_source(name="ercot-ers", team=team)
    now.move(T0 + 60 * MIN)
    services.upsert_source(name="ercot-ers", team=team, heartbeat_interval=5 * MIN)
    assert tick(now, T0 + 66 * MIN - SEC) == 0
    assert tick(now, T0 + 66 * MIN) == 1
    assert len(alarms(source)) == 1

    other, _ = services.upsert_source(name="other", team=team, heartbeat_interval=5 * MIN)
    Source.objects.filter(pk=other.pk).update(heartbeat_interval=None)
    other.refresh_from_db()
    services.rearm(source=other, was_monitored=True, now=T0 + 66 * MIN)
    assert tick(now, T0 + 24 * 60 * MIN) == 0
    assert alarms(other) == []


def test_a_source_saved_without_rearming_is_armed_by_the_clock_rather_than_never(team, now):
    source = Source.objects.create(
        name="raw", team=team, token_hash="x" * 64, heartbeat_interval=5 * MIN
    )
    assert tick(now, T0) == 0
    assert tick(now, T0 + 6 * MIN - SEC) == 0
    assert tick(now, T0 + 6 * MIN) == 1
    assert len(alarms(source)) == 1


def test_one_broken_source_does_not_stop_the_others_alarms(miso, team, now, monkeypatch):
    services.upsert_source(name="pjm-dr", team=team, heartbeat_interval=5 * MIN)
    real_raise = services.silence_alarms._raise_alarm

    def failing_for_miso(*, source_id, deadline, now):
        if source_id == miso.pk:
            raise RuntimeError("boom")
        return real_raise(source_id=source_id, deadline=deadline, now=now)

    monkeypatch.setattr(services.silence_alarms, "_raise_alarm", failing_for_miso)
    assert tick(now, T0 + 6 * MIN) == 1
    monkeypatch.undo()
    assert tick(now, T0 + 6 * MIN + SEC) == 1, "miso stayed due and alarms on the next tick"
    assert Event.objects.count() == 2


# --- The endpoint ---------------------------------------------------------------------------


def test_heartbeat_by_get_or_post_answers_the_source_and_when_it_is_next_due(miso, now):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    now.move(T0 + 2 * MIN)
    posted = client.post("/api/v1/heartbeat", {"anything": "ignored"}, format="json")
    now.move(T0 + 3 * MIN)
    got = client.get("/api/v1/heartbeat")

    assert posted.status_code == got.status_code == 200
    assert got.json() == {
        "source": "miso-dispatch",
        "monitoring": True,
        "next_due": "2026-11-30T20:09:00Z",
        "last_heartbeat_at": "2026-11-30T20:03:00Z",
    }


def test_heartbeat_without_a_source_token_is_401_and_records_nothing(miso, responder):
    assert APIClient().post("/api/v1/heartbeat").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.post("/api/v1/heartbeat").status_code == 401
    # A person's token is not a source's.
    assert responder.post("/api/v1/heartbeat").status_code == 401
    assert Source.objects.get(pk=miso.pk).last_heartbeat_at is None


# --- Health for the dashboard and the admin ---------------------------------------------------


def test_source_health_names_each_sources_state_in_one_query(
    team, now, sender, django_assert_num_queries
):
    def make(name, **kw):
        return services.upsert_source(name=name, team=team, **kw)[0]

    ok = make("ok", heartbeat_interval=5 * MIN)
    late = make("late", heartbeat_interval=5 * MIN, heartbeat_grace=2 * MIN)
    silent = make("silent", heartbeat_interval=1 * MIN, heartbeat_grace=SEC)
    make("off")
    make("waiting", heartbeat_interval=60 * MIN)
    services.record_life(source=late, now=T0)
    tick(now, T0 + 2 * MIN)  # raises silent's alarm
    services.record_life(source=ok, now=T0 + 5 * MIN)
    at = now.move(T0 + 5 * MIN + 30 * SEC)

    with django_assert_num_queries(1):
        health = selectors.source_health(now=at)

    assert {h.name: h.state for h in health} == {
        "late": "late",
        "off": "off",
        "ok": "ok",
        "silent": "silent",
        "waiting": "waiting-for-first",
    }
    by_name = {h.name: h for h in health}
    assert by_name["ok"].next_due == T0 + 11 * MIN
    assert by_name["ok"].last_heartbeat_at == T0 + 5 * MIN
    assert by_name["silent"].alarm_id == str(alarms(silent)[0].id)
    assert by_name["off"].monitoring is False
    assert by_name["off"].team == "grid-ops"


def test_system_health_says_when_no_worker_or_clock_was_seen_for_30_s(
    miso, now, settings, django_assert_num_queries
):
    settings.LIVENESS_TIMEOUT = 30
    services.check_in(role="worker", now=T0 - 31 * SEC, name="w:1")
    services.check_in(role="clock", now=T0 - 5 * SEC, name="c:1")

    with django_assert_num_queries(3):
        health = selectors.system_health(now=T0)

    assert health.missing == ["worker"]
    assert health.last_seen["worker"] == T0 - 31 * SEC
    assert not health.ok
    assert [s.name for s in health.sources] == ["miso-dispatch"]


# --- Two clocks ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent writers and SKIP LOCKED; SQLite serialises every write transaction",
)
def test_two_clocks_ticking_at_once_raise_one_alarm_per_silent_source():
    team = TeamFactory(slug="grid-ops")
    with time_machine.travel(T0, tick=False):
        sources = [
            services.upsert_source(name=f"feed-{i}", team=team, heartbeat_interval=MIN)[0]
            for i in range(30)
        ]
    deadline = T0 + 2 * MIN
    start = threading.Barrier(2)
    raised: list[int] = []

    def clock_process():
        try:
            start.wait()
            raised.append(clock.tick(deadline).enqueued["silence_alarms"])
        finally:
            connection.close()

    threads = [threading.Thread(target=clock_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(raised) == 30
    assert Event.objects.count() == 30
    assert sorted(Event.objects.values_list("source__name", flat=True)) == sorted(
        s.name for s in sources
    )
    assert OrmQ.objects.count() == 30, "one first escalation step per alarm"


# --- The admin ------------------------------------------------------------------------------


@pytest.fixture
def ops_lead(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("lead", "lead@example.com"))
    return client


def test_the_admin_lists_each_sources_heartbeat_and_filters_the_silent_ones(
    miso, team, now, ops_lead
):
    services.upsert_source(name="pjm-dr", team=team)  # off
    tick(now, T0 + 6 * MIN)

    listing = ops_lead.get("/admin/edrops/source/")
    silent = ops_lead.get("/admin/edrops/source/?heartbeat=silent")
    off = ops_lead.get("/admin/edrops/source/?heartbeat=off")

    assert listing.status_code == 200
    for column in ("last heartbeat", "next due", "State"):
        assert column.lower() in listing.text.lower()
    assert "miso-dispatch" in silent.text
    assert "pjm-dr" not in silent.text
    assert "pjm-dr" in off.text
    assert "miso-dispatch" not in off.text
    assert '<td class="field-heartbeat">silent</td>' in silent.text


def test_the_admin_source_list_warns_when_no_clock_is_watching(miso, now, ops_lead, settings):
    settings.LIVENESS_TIMEOUT = 30
    services.check_in(role="worker", now=T0, name="w:1")
    services.check_in(role="clock", now=T0 - 45 * SEC, name="c:1")

    page = ops_lead.get("/admin/edrops/source/")
    assert "Not seen within 30 s: clock." in page.text

    services.check_in(role="clock", now=T0, name="c:1")
    assert "Not seen within" not in ops_lead.get("/admin/edrops/source/").text


def test_changing_the_interval_in_the_admin_rearms_the_deadline(miso, sender, now, ops_lead):
    heartbeat(sender, now, T0 + 1 * MIN)
    now.move(T0 + 2 * MIN)
    form = {
        "name": "miso-dispatch",
        "team": miso.team_id,
        "rate_limit": 1200,
        "heartbeat_interval": "00:01:00",
        "heartbeat_grace": "00:00:30",
        "heartbeat_severity": "high",
        "events_count_as_life": "on",
    }
    saved = ops_lead.post(f"/admin/edrops/source/{miso.pk}/change/", form)
    assert saved.status_code == 302, saved.content
    assert Source.objects.get(pk=miso.pk).heartbeat_due_at == T0 + 2 * MIN + 30 * SEC
    assert tick(now, T0 + 2 * MIN + 30 * SEC) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent writers and row locks; SQLite serialises every write transaction",
)
def test_heartbeats_racing_the_clock_at_the_deadline_never_leave_an_alarm_open():
    team = TeamFactory(slug="grid-ops")
    with time_machine.travel(T0, tick=False):
        sources = [
            services.upsert_source(name=f"feed-{i}", team=team, heartbeat_interval=MIN)[0]
            for i in range(30)
        ]
    deadline = T0 + 2 * MIN
    # As authentication read them just before the deadline: not silent, not recently heard.
    read_before = [Source.objects.get(pk=s.pk) for s in sources]
    start = threading.Barrier(2)

    def clock_process():
        try:
            start.wait()
            clock.tick(deadline)
        finally:
            connection.close()

    def web_process():
        try:
            start.wait()
            for source in read_before:
                services.record_life(source=source, now=deadline)
        finally:
            connection.close()

    threads = [threading.Thread(target=clock_process), threading.Thread(target=web_process)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for source in Source.objects.all():
        assert source.heartbeat_alarm_id is None, source.name
        assert source.last_heartbeat_at == deadline, source.name
        assert source.heartbeat_due_at == deadline + 2 * MIN, source.name
    # Whichever won each race: an alarm raised before the heartbeat was resolved by it.
    assert set(Event.objects.values_list("status", flat=True)) <= {"resolved"}


def test_a_source_added_in_the_admin_with_an_interval_is_due_one_interval_and_grace_later(
    team, now, ops_lead
):
    assert ops_lead.get("/admin/edrops/source/add/").status_code == 200
    added = ops_lead.post(
        "/admin/edrops/source/add/",
        {
            "name": "ercot-ers",
            "team": team.pk,
            "rate_limit": 1200,
            "heartbeat_interval": "00:05:00",
            "heartbeat_grace": "00:01:00",
            "heartbeat_severity": "critical",
            "events_count_as_life": "on",
        },
    )
    assert added.status_code == 200  # the page that shows its token, once
    source = Source.objects.get(name="ercot-ers")
    assert source.heartbeat_due_at == T0 + 6 * MIN

    page = ops_lead.get(f"/admin/edrops/source/{source.pk}/change/")
    assert "waiting for the first heartbeat" in page.text
    assert tick(now, T0 + 6 * MIN) == 1
    assert [a.severity for a in alarms(source)] == ["critical"]
