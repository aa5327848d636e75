"""Escalation that reaches Slack channels: a step's `slack:C0MARKETS` target posts the page to
that channel once, anyone on the roster can acknowledge from it, and when the steps run out
unanswered the team's channel is told. In-process, as in test_escalation: the clock's tick and
the queued tasks run by hand at moved times, through the fake Slack and Twilio."""

import copy
from datetime import timedelta
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from edrops import selectors, services
from edrops.models import Event
from notifications.models import OutboxMessage
from rosters.models import Team
from tests.edrops.conftest import MISO, NOON, post_dispatch_and_run_workers
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

ALICE, DAN = "+13125550101", "+13125550104"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "slack_user_id": "U0ALICE",
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "slack", "after": "0s"}]},
        # Bob is on the roster and watches #markets, but no step pages him.
        {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/Chicago",
         "slack_user_id": "U0BOB", "contact": [{"channel": "slack", "after": "0s"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
    ],
    "teams": [
        # The team's clock is Eastern, its on-call person's Central: a channel post shows the
        # team's time.
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/New_York",
         "slack_channel": "C0GRIDOPS", "members": ["alice", "bob", "dan"],
         "rotations": [
             {"name": "primary", "timezone": "America/Chicago", "start": "2026-07-06T09:00",
              "shift": "1w", "people": ["alice"]},
         ],
         "escalation": {"ack_sla": "10m", "repeat": 1, "steps": [
             {"notify": ["rotation:primary", "slack:C0MARKETS"], "wait": "2m"},
             {"notify": ["person:dan", "slack:C0MARKETS"], "wait": "3m"},
         ]}},
    ],
}  # fmt: skip


def load(tmp_path, roster: dict) -> Team:
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(roster))
    call_command("load_roster", str(path), stdout=StringIO())
    team = Team.objects.get(slug="grid-ops")
    services.upsert_source(name="miso-dispatch", team=team, token="miso-t")
    return team


@pytest.fixture
def sender():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    return client


def details(event: Event, kind: str) -> list[str]:
    return [item.detail for item in selectors.timeline(event=event) if item.kind == kind]


def run_out(clock) -> None:
    """Both steps, twice, unanswered: 0 s, 2 min, 5 min (pass 2), 7 min."""
    clock(120)
    clock(180)
    clock(120)


def test_a_slack_channel_step_posts_the_page_there_once_with_the_button_in_the_teams_time(
    tmp_path, sender, clock, twilio, slack
):
    load(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)

    post = slack.expect_message(to="C0MARKETS", containing="curtail 12.5 MW")
    assert post.button("acknowledge")["value"] == str(event.pk)
    assert post.text.endswith("at 15:00 EDT (in 1 h 45 min)")
    direct = slack.expect_message(to="U0ALICE")
    assert direct.text.endswith("at 14:00 CDT (in 1 h 45 min)")  # Alice's own: her time
    slack.expect_message(to="C0GRIDOPS")
    twilio.expect_sms(to=ALICE)

    clock(120)  # step 2 names #markets again, and pass 2 both steps
    twilio.expect_sms(to=DAN)
    clock(180)
    twilio.expect_sms(to=ALICE)
    slack.expect_message(to="U0ALICE")
    slack.expect_nothing_more()

    assert details(event, "escalated") == [
        "step 1 of 2, pass 1 of 2: paging alice; posted to C0MARKETS",
        "step 2 of 2, pass 1 of 2: paging dan; C0MARKETS already has it",
        "step 1 of 2, pass 2 of 2: paging alice; C0MARKETS already has it",
    ]
    [notified] = [
        item
        for item in selectors.timeline(event=event)
        if item.kind == "notified" and "C0MARKETS" in item.detail
    ]
    assert (notified.person, notified.channel, notified.detail) == (
        None,
        "slack",
        "posted to C0MARKETS",
    )


def test_bob_clicks_acknowledge_in_markets_and_every_slack_message_says_so(
    tmp_path, sender, clock, twilio, slack
):
    load(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)
    post = slack.expect_message(to="C0MARKETS")
    team_post = slack.expect_message(to="C0GRIDOPS")
    direct = slack.expect_message(to="U0ALICE")
    twilio.expect_sms(to=ALICE)

    # Someone from outside the roster clicking, here or in the team channel, does nothing.
    for message in (post, team_post):
        assert slack.click_acknowledge(message, user_id="U0STRANGER").status_code == 200
    run_queued_tasks()
    assert Event.objects.get().status == "triggered"

    assert slack.click_acknowledge(post, user_id="U0BOB").status_code == 200
    run_queued_tasks()

    event.refresh_from_db()
    assert (event.status, event.acknowledged_by.handle, event.acknowledged_via) == (
        "acknowledged",
        "bob",
        "slack",
    )
    for message in (post, team_post, direct):
        slack.expect_update(message, containing="acknowledged by bob via slack")
    twilio.expect_sms(to=ALICE, containing="1: acknowledged by bob via slack")
    clock(600)
    twilio.expect_nothing_more()
    slack.expect_nothing_more()


def test_resolved_then_triggered_again_the_channels_see_it_afresh_with_a_button(
    tmp_path, sender, clock, twilio, slack
):
    load(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)
    for to in ("C0MARKETS", "C0GRIDOPS", "U0ALICE"):
        slack.expect_message(to=to)
    twilio.expect_sms(to=ALICE)
    services.resolve(event=event, by=None, source=event.source, via="api", at=timezone.now())
    run_queued_tasks()

    # The operator sends it again.
    post_dispatch_and_run_workers(sender, body={**MISO, "revision": 1})

    for to in ("C0MARKETS", "C0GRIDOPS", "U0ALICE"):
        assert slack.expect_message(to=to).button("acknowledge")["value"] == str(event.pk)


def test_a_step_that_reaches_only_a_slack_channel_waits_its_turn(
    tmp_path, sender, clock, twilio, slack
):
    roster = copy.deepcopy(ROSTER)
    roster["teams"][0]["escalation"] = {
        "steps": [{"notify": ["slack:C0MARKETS"], "wait": "2m"}, {"notify": ["person:dan"]}]
    }
    load(tmp_path, roster)
    event = post_dispatch_and_run_workers(sender)

    slack.expect_message(to="C0MARKETS")
    clock(119)
    twilio.expect_nothing_more()  # Dan is not paged before step 1's two minutes are up
    clock(1)
    twilio.expect_sms(to=DAN)
    assert details(event, "escalated")[0] == "step 1 of 2: posted to C0MARKETS"


def test_when_the_steps_run_out_the_team_channel_is_told_and_the_notice_follows_the_ack(
    tmp_path, sender, clock, twilio, slack
):
    load(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)
    run_out(clock)

    notice = slack.expect_message(to="C0GRIDOPS", containing="Nobody acknowledged")
    assert notice.text == (
        "Nobody acknowledged MISO LMR dispatch (12.5 MW in LRZ 4 / AMIL.BGS6 at 15:00 EDT "
        "(in 1 h 38 min)) after 2 steps (2 passes). It is still open: "
        "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4"
    )
    assert [block["type"] for block in notice.blocks] == ["section"]  # a notice: no button
    event.refresh_from_db()
    assert event.exhausted_at == NOON + timedelta(minutes=7)

    twilio.reply_sms(from_=DAN, body="1")  # someone answers after all
    run_queued_tasks()
    slack.expect_update(notice, containing="acknowledged by dan via sms")


def test_without_a_team_channel_running_out_posts_nothing_and_fails_nothing(
    tmp_path, sender, clock, twilio, slack
):
    roster = copy.deepcopy(ROSTER)
    del roster["teams"][0]["slack_channel"]
    roster["teams"][0]["escalation"] = {"steps": [{"notify": ["person:dan"]}]}
    load(tmp_path, roster)
    event = post_dispatch_and_run_workers(sender)

    twilio.expect_sms(to=DAN)
    event.refresh_from_db()
    assert event.exhausted_at == NOON
    assert "escalation ended: every step ran and nobody acknowledged" in details(event, "escalated")
    assert not details(event, "failed")
    slack.expect_nothing_more()


def test_without_slack_credentials_the_channel_post_and_the_notice_go_to_the_outbox(
    tmp_path, sender, clock, settings
):
    settings.SLACK_BOT_TOKEN = settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    load(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)
    run_out(clock)

    [post] = OutboxMessage.objects.filter(to="C0MARKETS")
    assert post.text.startswith("MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4")
    assert "15:00 EDT" in post.text
    [notice] = OutboxMessage.objects.filter(to="C0GRIDOPS", text__startswith="Nobody")
    assert "after 2 steps (2 passes)" in notice.text
    assert [
        (item.channel, item.detail)
        for item in selectors.timeline(event=event)
        if item.kind == "notified" and item.person is None
    ] == [("outbox", "outbox (C0MARKETS)"), ("outbox", "outbox (C0GRIDOPS)")]

    services.acknowledge(event=event, by=None, source=event.source, via="api", at=timezone.now())
    run_queued_tasks()
    updated = OutboxMessage.objects.filter(subject="(update of an earlier message)")
    assert {"C0MARKETS", "C0GRIDOPS"} <= set(updated.values_list("to", flat=True))


def test_a_summary_written_as_slack_markup_stays_text_in_every_message_and_rewrite(
    tmp_path, sender, clock, twilio, slack
):
    load(tmp_path, ROSTER)
    sneaky = "<!channel> <https://example.invalid/x|Acknowledge here>"
    post_dispatch_and_run_workers(sender, body={**MISO, "summary": sneaky})
    post = slack.expect_message(to="C0MARKETS")
    assert "<!channel>" not in post.text + str(post.blocks)
    assert "&lt;!channel&gt; &lt;https://example.invalid/x|Acknowledge here&gt;" in post.text
    twilio.expect_sms(to=ALICE, containing="<!channel>")  # an SMS is not Slack: as sent

    assert slack.click_acknowledge(post, user_id="U0BOB").status_code == 200
    run_queued_tasks()

    rewritten = slack.expect_update(post, containing="acknowledged by bob via slack")
    assert rewritten.startswith(
        "*&lt;!channel&gt; &lt;https://example.invalid/x|Acknowledge here&gt;*\n"
    )
