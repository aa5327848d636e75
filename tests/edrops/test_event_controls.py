"""The ops room's hands on an open event, with time moved and pages through the fake Slack and
Twilio: a dispatch phoned in is paged by hand and escalates like any other; "escalate now" pages
the next step at once and its old timer pages nobody twice; reassigning tells who was paged and
pages the new team from the start; a snooze and a dispatch's start trigger an acknowledged event
again, from the database, whatever process restarts in between."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_q.models import OrmQ
from rest_framework.test import APIClient

from edrops import selectors
from edrops.models import Event
from rosters.models import Team
from tests.edrops.conftest import NOON, miso_sender_for
from tests.factories import person_token
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

ALICE, BOB, DAN, MIA = "+13125550101", "+13125550102", "+13125550104", "+13125550121"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "slack_user_id": "U0ALICE", "login": "alice",
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "slack", "after": "0s"}]},
        # Bob leads grid ops: he may hand an event to any team.
        {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/Chicago", "phone": BOB,
         "login": "bob", "role": "lead", "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "mia", "name": "Mia Chen", "timezone": "America/Chicago", "phone": MIA,
         "login": "mia", "contact": [{"channel": "sms", "after": "0s"}]},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "slack_channel": "C0GRIDOPS", "members": ["alice", "bob", "dan"],
         "rotations": [
             {"name": "primary", "start": "2026-07-06T09:00", "shift": "1w", "people": ["alice"]},
             {"name": "secondary", "start": "2026-07-06T09:00", "shift": "1w", "people": ["bob"]},
         ],
         "escalation": {"steps": [
             {"notify": ["rotation:primary"], "wait": "2m"},
             {"notify": ["rotation:secondary", "person:dan"], "wait": "3m"},
             {"notify": ["team"]},
         ]}},
        {"slug": "market-ops", "name": "Market Operations", "slack_channel": "C0MARKETS",
         "members": ["mia"]},
    ],
}  # fmt: skip


@pytest.fixture
def roster(tmp_path):
    miso_sender_for(tmp_path, ROSTER)


def api_as(username: str) -> APIClient:
    client = APIClient()
    user = get_user_model().objects.get_or_create(username=username)[0]
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return client


def page_by_hand(body: dict, *, as_: str = "alice") -> Event:
    answer = api_as(as_).post("/api/v1/pages", body, format="json")
    assert answer.status_code == 201, answer.content
    run_queued_tasks()
    return Event.objects.get(pk=answer.json()["id"])


def act(event: Event, action: str, body: dict | None = None, *, as_: str = "alice"):
    answer = api_as(as_).post(f"/api/v1/events/{event.pk}/{action}", body or {}, format="json")
    run_queued_tasks()
    return answer


def timeline(event: Event, kind: str) -> list[str]:
    return [item.detail for item in selectors.timeline(event=event) if item.kind == kind]


PHONED_IN = {"team": "grid-ops", "summary": "MISO called: curtail 12.5 MW in LRZ 4", "mw": 12.5}


def test_a_team_page_by_hand_escalates_through_the_teams_policy(roster, clock, twilio, slack):
    event = page_by_hand(PHONED_IN)

    twilio.expect_sms(to=ALICE, containing="curtail 12.5 MW")
    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW")
    clock(119)
    twilio.expect_nothing_more()
    clock(1)
    twilio.expect_sms(to=BOB, containing="curtail 12.5 MW")
    twilio.expect_sms(to=DAN, containing="curtail 12.5 MW")
    clock(180)
    twilio.expect_sms(to=ALICE, containing="curtail 12.5 MW")
    twilio.expect_sms(to=BOB, containing="curtail 12.5 MW")
    twilio.expect_sms(to=DAN, containing="curtail 12.5 MW")
    twilio.expect_nothing_more()
    assert timeline(event, "received") == ["paged by hand by alice"]


def test_a_person_page_pages_that_person_alone(roster, clock, twilio, slack):
    event = page_by_hand({"person": "dan", "summary": "PJM called: 30-minute dispatch"})

    twilio.expect_sms(to=DAN, containing="PJM called")
    clock(599)  # nobody else: the one person, by their contact rules
    twilio.expect_nothing_more()
    clock(1)  # once more when the team's ack SLA (10 min) has passed, and that is all
    twilio.expect_sms(to=DAN, containing="PJM called")
    clock(3600)
    twilio.expect_nothing_more()
    event.refresh_from_db()
    assert event.exhausted_at is not None
    assert timeline(event, "escalated")[:2] == [
        "step 1 of 1, pass 1 of 2: paging dan",
        "step 1 of 1, pass 2 of 2: paging dan",
    ]


def test_escalate_now_pages_the_next_step_at_once_and_its_old_timer_pages_nobody_twice(
    roster, clock, twilio
):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    clock(30)

    answer = act(event, "escalate")

    assert answer.status_code == 200, answer.content
    twilio.expect_sms(to=BOB, containing="curtail 12.5 MW")
    twilio.expect_sms(to=DAN, containing="curtail 12.5 MW")
    assert timeline(event, "escalated")[1] == (
        "escalated now by alice via api: step 2 of 3 pages now, without waiting"
    )
    clock(90)  # when step 2 was due before: nothing, it ran
    twilio.expect_nothing_more()
    clock(89)  # step 2's own wait (3 min) counts from when it ran
    twilio.expect_nothing_more()
    clock(1)
    twilio.expect_sms(to=ALICE)
    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)
    twilio.expect_nothing_more()


def test_escalate_now_twice_in_a_row_pages_the_two_next_steps(roster, clock, twilio):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    act(event, "escalate")
    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)
    act(event, "escalate")
    for phone in (ALICE, BOB, DAN):
        twilio.expect_sms(to=phone)
    twilio.expect_nothing_more()


def test_escalating_an_event_no_step_has_paged_starts_at_step_1(roster, clock, twilio):
    # As a maintenance window leaves an event: recorded, never paged, nothing armed.
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    Event.objects.filter(pk=event.pk).update(
        policy={}, step_index=0, next_step_at=None, last_step_at=None, paging=[]
    )

    act(event, "escalate")

    twilio.expect_sms(to=ALICE)
    twilio.expect_nothing_more()
    assert timeline(event, "escalated")[-2] == "escalated now by alice via api: step 1 pages now"


def test_escalating_an_event_whose_steps_all_ran_starts_them_again(roster, clock, twilio):
    event = page_by_hand({"person": "dan", "summary": "PJM called"})
    twilio.expect_sms(to=DAN)
    clock(600)
    twilio.expect_sms(to=DAN)
    clock(60)
    act(event, "escalate")
    twilio.expect_sms(to=DAN)
    assert "escalated now by alice via api: escalation starts again at step 1" in timeline(
        event, "escalated"
    )


def test_escalating_an_acknowledged_event_triggers_it_again(roster, clock, twilio):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    act(event, "acknowledge", as_="alice")
    twilio.expect_nothing_more()

    answer = act(event, "escalate", as_="bob")

    assert answer.json()["status"] == "triggered"
    assert answer.json()["acknowledged_by"] is None
    twilio.expect_sms(to=BOB, containing="curtail")
    twilio.expect_sms(to=DAN, containing="curtail")
    assert "no longer acknowledged by alice" in timeline(event, "escalated")[-2]


def test_reassigning_to_a_team_tells_who_was_paged_and_pages_the_new_team_from_the_start(
    roster, clock, twilio, slack
):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    post = slack.expect_message(to="C0GRIDOPS", containing="curtail")

    answer = act(event, "reassign", {"team": "market-ops"}, as_="bob")

    assert answer.status_code == 200, answer.content
    assert answer.json()["team"] == "market-ops"
    twilio.expect_sms(to=ALICE, containing="reassigned to team market-ops by bob via api")
    slack.expect_update(post, containing="reassigned to team market-ops")
    twilio.expect_sms(to=MIA, containing="curtail")
    clock(600)  # grid-ops' step 2 was armed: gone with the reassignment
    twilio.expect_nothing_more()
    assert timeline(event, "reassigned") == [
        "reassigned to team market-ops by bob via api (was team grid-ops): paging from step 1"
    ]
    # Alice was paged for it: still hers to act on.
    assert act(event, "acknowledge", as_="alice").status_code == 200


def test_a_responder_may_not_hand_an_event_to_a_team_she_may_not_page(roster, clock, twilio):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)

    answer = act(event, "reassign", {"team": "market-ops"}, as_="alice")

    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("You may not page team 'market-ops'.")
    event.refresh_from_db()
    assert event.team.slug == "grid-ops"
    twilio.expect_nothing_more()


def test_reassigning_to_a_person_pages_them_alone(roster, clock, twilio):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)

    answer = act(event, "reassign", {"person": "mia"}, as_="bob")

    assert (answer.json()["team"], answer.json()["assigned_to"]) == ("grid-ops", "mia")
    twilio.expect_sms(to=ALICE, containing="reassigned to mia by bob via api")
    twilio.expect_sms(to=MIA, containing="curtail")
    clock(599)
    twilio.expect_nothing_more()
    # Mia was paged for it: she may act on it, though not on grid-ops.
    assert act(event, "acknowledge", as_="mia").status_code == 200


def test_a_snoozed_event_is_triggered_again_after_n_minutes_and_pages_from_step_1(
    roster, clock, twilio
):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    act(event, "acknowledge")
    twilio.expect_nothing_more()

    answer = act(event, "snooze", {"minutes": 30})

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "acknowledged"
    assert answer.json()["snoozed_until"] == "2026-07-14T17:45:00Z"
    assert timeline(event, "snoozed") == [
        "snoozed by alice via api for 30 min: triggered again at 12:45 CDT unless resolved"
    ]
    clock(30 * 60 - 1)
    twilio.expect_nothing_more()
    clock(1)
    twilio.expect_sms(to=ALICE, containing="curtail")
    event.refresh_from_db()
    assert (event.status, event.wake_at, event.acknowledged_by) == ("triggered", None, None)
    assert timeline(event, "retriggered") == [
        "triggered again: the snooze is over (acknowledged by alice); paging from step 1"
    ]
    clock(120)  # and it escalates as before
    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)


def test_a_snooze_lives_in_the_database_and_a_lost_wake_up_is_queued_again(roster, clock, twilio):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    act(event, "acknowledge")
    act(event, "snooze", {"minutes": 5})
    # Every process restarts: nothing is in memory, nothing queued; only the rows remain.
    OrmQ.objects.all().delete()
    from edrops.clock import tick

    with_time = timezone.now() + timedelta(minutes=5)
    import time_machine

    with time_machine.travel(with_time, tick=False):
        tick(timezone.now())
        # The worker that took the wake-up died before running it.
        OrmQ.objects.all().delete()
        twilio.expect_nothing_more()
    clock(5 * 60 + 10)  # the clock queues it again once it counts as lost
    twilio.expect_sms(to=ALICE, containing="curtail")


def test_snoozing_again_replaces_the_time_and_resolving_ends_it(roster, clock, twilio):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    act(event, "acknowledge")
    act(event, "snooze", {"minutes": 5})
    act(event, "snooze", {"minutes": 20})
    clock(10 * 60)
    twilio.expect_nothing_more()
    act(event, "resolve")
    clock(30 * 60)
    twilio.expect_nothing_more()


def test_an_acknowledged_dispatch_still_unresolved_at_its_start_is_paged_again(
    roster, clock, twilio
):
    starts = NOON + timedelta(minutes=20)
    event = page_by_hand({**PHONED_IN, "starts_at": starts.isoformat()})
    twilio.expect_sms(to=ALICE)
    clock(60)
    act(event, "acknowledge", as_="bob")
    twilio.expect_sms(to=ALICE, containing="acknowledged by bob")

    clock(19 * 60 - 1)
    twilio.expect_nothing_more()
    clock(1)

    twilio.expect_sms(to=ALICE, containing="curtail")
    assert timeline(event, "retriggered") == [
        "triggered again: the dispatch starts at 12:35 CDT and is still unresolved "
        "(acknowledged by bob); paging from step 1"
    ]
    # Acknowledged again after the start: that one stands.
    act(event, "acknowledge", as_="alice")
    clock(3600)
    twilio.expect_nothing_more()


def test_a_team_that_turned_re_paging_off_is_not_paged_at_the_start(roster, clock, twilio):
    Team.objects.filter(slug="grid-ops").update(repage_at_start=False)
    starts = NOON + timedelta(minutes=20)
    event = page_by_hand({**PHONED_IN, "starts_at": starts.isoformat()})
    twilio.expect_sms(to=ALICE)
    act(event, "acknowledge")
    clock(3600)
    twilio.expect_nothing_more()


def test_a_note_goes_to_the_pages_slack_thread(roster, clock, twilio, slack):
    event = page_by_hand(PHONED_IN)
    twilio.expect_sms(to=ALICE)
    post = slack.expect_message(to="C0GRIDOPS", containing="curtail")
    slack.expect_message(to="U0ALICE", containing="curtail")

    answer = api_as("bob").post(
        f"/api/v1/events/{event.pk}/notes", {"text": "called the site: 10 MW by 12:30"}
    )
    run_queued_tasks()

    assert answer.status_code == 201
    reply = slack.expect_message(to="C0GRIDOPS", containing="called the site")
    assert reply.thread_ts == post.ts
    assert "Note from bob: called the site: 10 MW by 12:30" in reply.text
    # Acknowledging rewrites the page, never the note.
    act(event, "acknowledge")
    slack.expect_update(post, containing="acknowledged by alice")
    assert reply.updates == []
    slack.expect_nothing_more()


def test_a_note_on_an_event_with_no_slack_thread_is_on_the_timeline_only(roster, clock, twilio):
    event = page_by_hand(PHONED_IN)  # no Slack credentials: pages went to the outbox
    answer = api_as("bob").post(f"/api/v1/events/{event.pk}/notes", {"text": "on it"})
    assert answer.status_code == 201
    assert timeline(event, "note") == ["bob: on it"]
