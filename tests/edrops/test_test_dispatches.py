"""Test dispatches (`test: true`) follow the team's test policy (`test_escalation:`); without
one they are posted to the team's Slack channel and the outbox and phone or text nobody, so
the monthly ISO test wakes nobody. In-process, against the fake Slack and Twilio, at moved
times (the clock fixture)."""

import copy
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from edrops import selectors
from edrops.dashboard.selectors import board, escalation_stage
from edrops.models import Event
from edrops.permissions import Actor
from notifications.models import OutboxMessage
from rosters.models import EscalationPolicy, Team
from tests.edrops.conftest import MISO, miso_sender_for, post_dispatch_and_run_workers

pytestmark = pytest.mark.django_db(transaction=True)

ALICE, DAN = "+13125550101", "+13125550104"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "slack_user_id": "U0ALICE",
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "voice", "after": "1m"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "slack_channel": "C0GRIDOPS", "members": ["alice", "dan"],
         "rotations": [
             {"name": "primary", "start": "2026-07-06T09:00", "shift": "1w",
              "people": ["alice"]},
         ],
         "escalation": {"ack_sla": "10m", "steps": [
             {"notify": ["rotation:primary"], "wait": "2m"},
             {"notify": ["team"]},
         ]}},
    ],
}  # fmt: skip
TEST_DISPATCH = {**MISO, "external_id": "MISO-MONTHLY-TEST", "test": True}


def with_test_policy() -> dict:
    roster = copy.deepcopy(ROSTER)
    roster["teams"][0]["test_escalation"] = {
        "ack_sla": "30m",
        "steps": [{"notify": ["person:dan"], "wait": "5m"}, {"notify": ["slack:C0DRILLS"]}],
    }
    return roster


def escalated(event: Event) -> list[str]:
    return [i.detail for i in selectors.timeline(event=event) if i.kind == "escalated"]


def test_a_test_dispatch_without_a_test_policy_reaches_slack_and_the_outbox_only(
    tmp_path, clock, twilio, slack
):
    sender = miso_sender_for(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender, TEST_DISPATCH)

    post = slack.expect_message(to="C0GRIDOPS", containing="TEST")
    assert post.button("acknowledge")["value"] == str(event.pk)
    [kept] = OutboxMessage.objects.filter(to="grid-ops (test dispatch)")
    assert kept.subject == "posted to C0GRIDOPS"
    assert kept.text == (
        "TEST MISO LMR dispatch (12.5 MW in LRZ 4 / AMIL.BGS6 at 14:00 CDT (in 1 h 45 min)): "
        "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4"
    )
    assert escalated(event) == [
        "escalation ended: a test dispatch, and grid-ops has no test policy (test_escalation): "
        "posted to C0GRIDOPS and the outbox only; nobody is phoned or texted"
    ]
    clock(60 * 30)  # half an hour unanswered: nothing more, not even "nobody acknowledged"
    twilio.expect_nothing_more()
    slack.expect_nothing_more()
    event.refresh_from_db()
    assert event.status == "triggered"  # still open, for someone to acknowledge the drill
    assert escalation_stage(event).label == "test: posted to Slack and the outbox only"

    # A live dispatch of the same team still pages Alice by SMS at once.
    post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE, containing="Reply")


def test_a_team_without_a_slack_channel_keeps_its_test_dispatch_in_the_outbox(
    tmp_path, clock, twilio, slack
):
    roster = copy.deepcopy(ROSTER)
    del roster["teams"][0]["slack_channel"]
    sender = miso_sender_for(tmp_path, roster)
    Team.objects.filter(slug="grid-ops").update(slack_channel="")
    event = post_dispatch_and_run_workers(sender, TEST_DISPATCH)
    [kept] = OutboxMessage.objects.filter(to="grid-ops (test dispatch)")
    assert kept.subject == "no Slack channel to post to"
    assert "the outbox only" in escalated(event)[0]
    twilio.expect_nothing_more()
    slack.expect_nothing_more()


def test_a_test_dispatch_follows_the_teams_test_escalation(tmp_path, clock, twilio, slack):
    sender = miso_sender_for(tmp_path, with_test_policy())
    event = post_dispatch_and_run_workers(sender, TEST_DISPATCH)

    assert twilio.expect_sms(to=DAN).body.startswith("TEST MISO LMR dispatch")
    twilio.expect_nothing_more()  # not Alice, whom the live policy pages first
    assert (event.respond_by - event.created_at).total_seconds() == 30 * 60  # its ack_sla
    clock(300)
    slack.expect_message(to="C0DRILLS", containing="TEST")
    # Its steps ran out: the team's channel is told, as for any policy.
    slack.expect_message(to="C0GRIDOPS", containing="Nobody acknowledged TEST MISO LMR")
    slack.expect_nothing_more()
    assert escalated(event)[:2] == [
        "step 1 of 2: paging dan",
        "step 2 of 2: posted to C0DRILLS",
    ]
    assert OutboxMessage.objects.filter(to="grid-ops (test dispatch)").count() == 0


def test_the_board_shows_test_dispatches_apart_after_the_live_ones(tmp_path, clock, twilio, slack):
    sender = miso_sender_for(tmp_path, ROSTER)
    drill = post_dispatch_and_run_workers(sender, TEST_DISPATCH)
    clock(60)
    live = post_dispatch_and_run_workers(sender)  # newer, yet listed first
    shown = board(actor=Actor(person=None))
    assert [e.pk for e in shown.open] == [live.pk, drill.pk]


def test_test_escalation_in_the_roster_file_loads_once_and_is_checked_like_escalation(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(with_test_policy()))
    out = StringIO()
    call_command("load_roster", str(path), stdout=out)
    assert "test escalation policies: 1 created" in out.getvalue()
    policy = EscalationPolicy.objects.get(test_of__slug="grid-ops")
    assert [s.targets for s in policy.steps.order_by("position")] == [
        ["person:dan"],
        ["slack:C0DRILLS"],
    ]
    assert str(policy) == "test escalation of grid-ops"
    assert EscalationPolicy.objects.get(team__slug="grid-ops").steps.count() == 2  # untouched
    out = StringIO()
    call_command("load_roster", str(path), stdout=out)
    assert "no changes" in out.getvalue()

    bad = with_test_policy()
    bad["teams"][0]["test_escalation"] = {"steps": [{"notify": ["rotation:nights"]}], "oops": 1}
    path.write_text(yaml.safe_dump(bad))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_roster", str(path), stdout=StringIO(), stderr=err)
    assert "teams[0].test_escalation.steps[0].notify[0]: team grid-ops has no rotation nights" in (
        err.getvalue()
    )
    assert "teams[0].test_escalation.oops" in err.getvalue()
