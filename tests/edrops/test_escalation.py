"""The escalation engine, in-process: ingest over HTTP, the clock's tick and the queued tasks run
by hand at moved times, pages through the fake Slack and Twilio. Read like the ops room: page
Alice, nobody answers, two minutes later Bob and Dan, Bob replies "ack 1", paging stops."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ
from rest_framework.test import APIClient

from edrops import selectors, services
from edrops.clock import tick
from edrops.models import Event
from edrops.services import escalation, replies
from edrops.tasks import run_escalation_step
from notifications import services as notifications
from rosters.models import EscalationStep, Role, RotationMember, Team
from tests.edrops.conftest import MISO, NOON, example, post_dispatch_and_run_workers
from tests.factories import PersonFactory
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

ALICE, BOB, CAROL, DAN = "+13125550101", "+13125550102", "+13125550103", "+13125550104"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "slack_user_id": "U0ALICE", "working_hours": "08:00-18:00",
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "slack", "after": "0s"}]},
        {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/Chicago", "phone": BOB,
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "voice", "after": "1m"}]},
        {"handle": "carol", "name": "Carol Diaz", "timezone": "Europe/Berlin", "phone": CAROL,
         "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "slack_channel": "C0GRIDOPS", "members": ["alice", "bob", "carol", "dan"],
         "rotations": [
             {"name": "primary", "timezone": "America/Chicago", "start": "2026-07-06T09:00",
              "shift": "1w", "people": ["alice"]},
             {"name": "secondary", "timezone": "America/Chicago", "start": "2026-07-06T09:00",
              "shift": "1w", "people": ["bob"]},
         ],
         "escalation": {"ack_sla": "10m", "steps": [
             {"notify": ["rotation:primary"], "wait": "2m"},
             {"notify": ["rotation:secondary", "person:dan"], "wait": "3m"},
             {"notify": ["team"]},
         ]}},
    ],
    "sources": [{"name": "miso-dispatch", "team": "grid-ops"}],
}  # fmt: skip


@pytest.fixture
def grid_ops(tmp_path):
    """The roster as an ops lead writes it, loaded as they load it."""
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(ROSTER))
    call_command("load_roster", str(path), stdout=StringIO())
    team = Team.objects.get(slug="grid-ops")
    services.upsert_source(name="miso-dispatch", team=team, token="miso-t")
    return team


@pytest.fixture
def sender(grid_ops):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    return client


def timeline(event: Event) -> list[tuple[str, str | None]]:
    return [(item.kind, item.person) for item in selectors.timeline(event=event)]


def details(event: Event, kind: str) -> list[str]:
    return [item.detail for item in selectors.timeline(event=event) if item.kind == kind]


def test_alice_is_paged_at_once_then_bob_and_dan_and_bobs_ack_4_stops_everything(
    sender, clock, twilio, slack
):
    event = post_dispatch_and_run_workers(sender)

    sms = twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")
    assert sms.body == (
        "MISO LMR dispatch: 12.5 MW in LRZ 4 / AMIL.BGS6 at 14:00 CDT (in 1 h 45 min), "
        "ack by 12:25 CDT. MISO LMR scheduling instruction: curtail... Reply 1 to ack."
    )
    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW")
    direct = slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
    assert direct.button("acknowledge")["value"] == str(event.pk)

    clock(119)  # step 1 waits 2 minutes
    twilio.expect_nothing_more()
    clock(1)
    twilio.expect_sms(to=BOB, containing="Reply 1 to ack")
    twilio.expect_sms(to=DAN, containing="Reply 1 to ack")

    twilio.reply_sms(from_=BOB, body="ack 1")
    run_queued_tasks()

    twilio.expect_sms(to=BOB, containing="1: acknowledged by bob via sms")
    twilio.expect_sms(to=ALICE, containing="1: acknowledged by bob via sms")
    twilio.expect_sms(to=DAN, containing="1: acknowledged by bob via sms")
    slack.expect_update(direct, containing="acknowledged by bob via sms")
    clock(60)  # Bob's call was due a minute after his SMS: cancelled
    clock(600)  # step 3 (the whole team) never comes
    twilio.expect_nothing_more()
    slack.expect_nothing_more()

    event.refresh_from_db()
    assert (event.status, event.acknowledged_by.handle, event.acknowledged_via) == (
        "acknowledged",
        "bob",
        "sms",
    )
    kinds = [kind for kind, _ in timeline(event)]
    assert kinds[:2] == ["received", "escalated"]
    assert ("reply", "bob") in timeline(event)
    assert ("acknowledged", "bob") in timeline(event)
    assert kinds.count("escalated") == 2


def alice_is_paged_by_the_clock_6_seconds_on(clock, twilio) -> None:
    """REQUEUE_AFTER (5 s) after the lost task was queued, at the next tick; once."""
    clock(4)
    twilio.expect_nothing_more()
    clock(2)
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")
    clock(10)
    twilio.expect_nothing_more()


def test_the_worker_that_took_alices_first_step_dies_and_she_is_paged_seconds_later(
    sender, clock, twilio
):
    assert sender.post("/api/v1/events", MISO, format="json").status_code == 202
    # A worker took the step's task and was killed: django-q2 would hand it out again only
    # after Q_RETRY (45 s); the clock doesn't wait for that.
    OrmQ.objects.all().delete()
    alice_is_paged_by_the_clock_6_seconds_on(clock, twilio)


def test_the_step_sends_alices_first_page_itself_and_queues_the_rest(sender, clock, twilio, slack):
    assert sender.post("/api/v1/events", MISO, format="json").status_code == 202
    (step,) = OrmQ.objects.all()
    step.delete()

    run_escalation_step(*step.task["args"])

    # Her SMS left with the step, before any worker took a delivery task.
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")
    queued = [row.task["func"] for row in OrmQ.objects.all()]
    assert queued == ["notifications.tasks.deliver"]  # her Slack page (DM, team's channel)
    run_queued_tasks()
    slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW")
    clock(10)
    twilio.expect_nothing_more()


def test_alices_sms_limit_holds_her_page_so_the_step_sends_her_slack_page_itself(
    sender, clock, twilio, slack
):
    for n in range(4):  # four dispatches in a minute: four of her five SMS a window
        post_dispatch_and_run_workers(sender, {**MISO, "external_id": f"MISO-STORM-{n}"})
        clock(15)
    for seen in [*twilio.sms, *slack.posts]:
        seen.seen = True
    fifth = {**MISO, "external_id": "MISO-STORM-4", "summary": "Fifth: curtail 3 MW at Pana"}
    assert sender.post("/api/v1/events", fifth, format="json").status_code == 202
    (step,) = OrmQ.objects.all()
    step.delete()

    run_escalation_step(*step.task["args"])

    # Her last SMS of the window waits a few seconds for a storm's bundle; her Slack page
    # left with the step all the same, before any worker took a task.
    twilio.expect_nothing_more()
    slack.expect_message(to="U0ALICE", containing="Fifth: curtail 3 MW at Pana")
    slack.expect_message(to="C0GRIDOPS", containing="Fifth: curtail 3 MW at Pana")
    run_queued_tasks()  # the Slack page's own task finds it sent: once
    slack.expect_nothing_more()
    clock(11)
    twilio.expect_sms(to=ALICE, containing="Fifth: curtail 3 MW at Pana")


def test_the_worker_dies_after_the_step_and_before_alices_sms_and_the_clock_sends_it(
    sender, clock, twilio
):
    assert sender.post("/api/v1/events", MISO, format="json").status_code == 202
    (step,) = OrmQ.objects.all()
    step.delete()
    with notifications.first_page_here():  # the step commits; its worker dies right after
        escalation.run_step(
            event_id=step.task["args"][0], step_index=0, pass_index=0, now=timezone.now()
        )
    alice_is_paged_by_the_clock_6_seconds_on(clock, twilio)


def test_bob_presses_1_on_the_call_and_nobody_is_paged_again(sender, clock, twilio):
    post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)
    clock(120)
    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)
    clock(60)
    call = twilio.expect_call(to=BOB)

    assert "acknowledgement is recorded" in twilio.press_key(call, "1")
    run_queued_tasks()

    assert Event.objects.get().acknowledged_via == "voice"
    for phone in (ALICE, DAN):  # Bob heard it on the call
        twilio.expect_sms(to=phone, containing="acknowledged by bob via voice")
    clock(600)
    twilio.expect_nothing_more()


def test_alice_clicks_acknowledge_in_slack_and_the_message_says_so(sender, clock, twilio, slack):
    post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)
    team_post = slack.expect_message(to="C0GRIDOPS")
    direct = slack.expect_message(to="U0ALICE")

    assert slack.click_acknowledge(direct, user_id="U0ALICE").status_code == 200
    run_queued_tasks()

    event = Event.objects.get()
    assert (event.status, event.acknowledged_via) == ("acknowledged", "slack")
    slack.expect_update(team_post, containing="acknowledged by alice via slack")
    slack.expect_update(direct, containing="acknowledged by alice via slack")
    clock(600)
    twilio.expect_nothing_more()  # she clicked, so no status SMS to herself


def test_an_acknowledgement_over_the_api_cancels_the_call_still_to_come(
    sender, clock, twilio, django_user_model
):
    event = post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)
    clock(120)
    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)
    lead = django_user_model.objects.create_user("lead", password="pw-lead-1")
    PersonFactory(handle="lead", user=lead, role=Role.LEAD)  # on no team: a lead acts on all
    api = APIClient()
    api.force_authenticate(lead)

    assert api.post(f"/api/v1/events/{event.pk}/acknowledge").status_code == 200
    run_queued_tasks()

    for phone in (ALICE, BOB, DAN):
        twilio.expect_sms(to=phone, containing="acknowledged by lead via api")
    clock(60)  # Bob's call
    twilio.expect_nothing_more()
    assert "cancelled: acknowledged by lead via api" in details(event, "suppressed")


def test_a_cancellation_mid_escalation_stops_it_and_tells_who_was_paged(sender, clock, twilio):
    post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)

    response = sender.post("/api/v1/events", example("miso-lmr-cancel.json"), format="json")
    assert response.status_code == 202
    run_queued_tasks()

    twilio.expect_sms(to=ALICE, containing="1: cancelled by miso-dispatch")
    clock(600)
    twilio.expect_nothing_more()
    assert Event.objects.get().status == "cancelled"


def test_a_step_task_delivered_twice_pages_once(sender, clock, twilio):
    event = post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)

    assert run_escalation_step(str(event.pk), 0, 0) == "this step already ran"
    run_queued_tasks()
    twilio.expect_nothing_more()


def test_the_last_steps_task_delivered_twice_pages_the_team_once(sender, clock, twilio):
    event = post_dispatch_and_run_workers(sender)
    clock(120)
    clock(180)  # step 3 of 3, the whole team: the escalation ends there
    event.refresh_from_db()
    assert event.exhausted_at is not None
    twilio.sms.clear(), twilio.calls.clear()  # what the team got the first time

    again = run_escalation_step(str(event.pk), event.step_index, event.pass_index)

    assert again == "this step already ran; escalation has ended"
    run_queued_tasks()
    twilio.expect_nothing_more()


def test_a_policy_fixed_while_the_dispatch_waited_for_a_worker_is_the_one_that_pages(
    sender, clock, twilio
):
    response = sender.post("/api/v1/events", MISO, format="json")  # queued, no worker yet
    EscalationStep.objects.filter(position=0).update(targets=["person:carol"])

    run_queued_tasks()

    twilio.expect_sms(to=CAROL)
    twilio.expect_nothing_more()
    event = Event.objects.get(pk=response.json()["id"])
    assert event.policy["steps"][0]["targets"] == ["person:carol"]


def test_editing_the_policy_does_not_change_an_escalation_under_way(sender, clock, twilio):
    post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)
    EscalationStep.objects.filter(position=1).update(targets=["person:carol"], wait=timedelta(0))

    clock(120)

    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)
    twilio.expect_nothing_more()


def test_when_every_step_ran_unanswered_the_event_says_so(sender, clock, twilio):
    event = post_dispatch_and_run_workers(sender)
    clock(120)
    clock(180)  # step 3: the whole team

    for phone in (ALICE, BOB, DAN):
        twilio.expect_sms(to=phone)
    twilio.expect_sms(to=CAROL)
    for phone in (ALICE, BOB, DAN):
        twilio.expect_sms(to=phone)
    clock(60)  # Bob's calls
    twilio.expect_call(to=BOB)
    twilio.expect_call(to=BOB)
    event.refresh_from_db()
    assert event.exhausted_at == NOON + timedelta(seconds=300)
    assert event.next_step_at is None
    assert "escalation ended: every step ran and nobody acknowledged" in details(event, "escalated")
    clock(3600)
    twilio.expect_nothing_more()


def test_a_step_that_reaches_nobody_hands_over_to_the_next_at_once(sender, clock, twilio):
    RotationMember.objects.filter(rotation__name="primary").delete()
    event = post_dispatch_and_run_workers(sender)

    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)
    twilio.expect_nothing_more()
    assert details(event, "escalated")[0] == (
        "step 1 of 3: nobody to page (rotation:primary reaches nobody now)"
    )


def test_a_low_severity_event_waits_for_working_hours_and_uses_slack_only(
    sender, clock, twilio, slack
):
    with time_machine.travel(datetime(2026, 7, 14, 4, 0, tzinfo=UTC), tick=False):  # 23:00 CDT
        post_dispatch_and_run_workers(sender, {**MISO, "severity": "low", "external_id": "LOW-1"})
        slack.expect_nothing_more()
    # 08:00 CDT the next morning, Alice's working hours begin.
    with time_machine.travel(datetime(2026, 7, 14, 13, 0, 1, tzinfo=UTC), tick=False):
        tick(timezone.now())
        run_queued_tasks()
    slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
    twilio.expect_nothing_more()


def test_sms_replies_ack_for_the_newest_ack_all_and_an_unknown_code(sender, clock, twilio):
    post_dispatch_and_run_workers(sender)
    post_dispatch_and_run_workers(
        sender, {**MISO, "external_id": "MISO-2", "summary": "second dispatch"}
    )
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")
    twilio.expect_sms(to=ALICE, containing="Reply 2 to ack")

    twilio.reply_sms(from_=ALICE, body="ACK 9")
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing="No open event has code 9")

    twilio.reply_sms(from_=ALICE, body="ack")
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing="2: acknowledged by alice via sms")
    assert Event.objects.get(external_id="MISO-2").status == "acknowledged"

    twilio.reply_sms(from_=ALICE, body=" Ack  All ")
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing="1: acknowledged by alice via sms")
    assert set(Event.objects.values_list("status", flat=True)) == {"acknowledged"}

    twilio.reply_sms(from_=ALICE, body="4")
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing="No open event has code 4")
    clock(600)
    twilio.expect_nothing_more()


def test_an_ack_all_too_long_for_one_task_goes_on_in_the_next_and_answers_once(
    sender, clock, twilio, monkeypatch
):
    # A storm's "ack all" outlasts a task's time limit; here every event is one run's worth.
    monkeypatch.setattr(replies, "ACK_BUDGET_SECONDS", 0)
    for n in range(3):
        post_dispatch_and_run_workers(sender, {**MISO, "external_id": f"MISO-{n}"})
        twilio.expect_sms(to=ALICE, containing=f"Reply {n + 1} to ack")

    twilio.reply_sms(from_=ALICE, body="ack all")
    ran = [func for func, _ in run_queued_tasks()]

    assert ran.count("edrops.tasks.reply_received") == 3
    assert set(Event.objects.values_list("status", flat=True)) == {"acknowledged"}
    twilio.expect_sms(to=ALICE, containing="3 events acknowledged.")
    twilio.expect_nothing_more()


def test_a_late_reply_is_told_who_acknowledged_first(sender, clock, twilio):
    post_dispatch_and_run_workers(sender)
    clock(120)
    twilio.reply_sms(from_=DAN, body="1")
    run_queued_tasks()
    twilio.reply_sms(from_=BOB, body="1")
    run_queued_tasks()

    twilio.expect_sms(to=BOB, containing="1: already acknowledged by dan via sms")
    assert Event.objects.get().acknowledged_by.handle == "dan"


def test_codes_are_not_reused_for_a_day_after_an_event_closes(sender, clock, twilio):
    first = post_dispatch_and_run_workers(sender)
    services.resolve(event=first, by=None, source=first.source, via="api", at=timezone.now())
    second = post_dispatch_and_run_workers(sender, {**MISO, "external_id": "MISO-2"})

    assert (first.ack_code, Event.objects.get(pk=second.pk).ack_code) == (1, 2)


def test_a_tick_says_when_the_next_step_falls_due_so_the_clock_can_wake_for_it(sender, clock):
    event = post_dispatch_and_run_workers(sender)

    report = tick(timezone.now())

    assert report.next_due == event.next_step_at == NOON + timedelta(minutes=2)
