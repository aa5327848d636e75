"""A captured provider callback sent again is applied once: the signature is as valid the
second time, so each callback is recognised by the provider's own id for it (Twilio's
MessageSid, CallSid and digits; Slack's action_ts and clicker). A replay is answered as usual,
so the provider doesn't retry, and changes nothing."""

# ruff: noqa: F811 -- test_escalation's roster fixtures, imported, are the tests' arguments

import pytest

from edrops.models import Event
from notifications.models import InboundReply
from tests.edrops.conftest import MISO, post_dispatch_and_run_workers
from tests.edrops.test_escalation import (  # noqa: F401 -- fixtures too
    ALICE,
    BOB,
    DAN,
    grid_ops,
    sender,
)
from tests.fakes.queue import run_queued_tasks
from tests.fakes.server import replay

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_captured_ack_all_sms_sent_again_acknowledges_nothing_paged_since(sender, clock, twilio):
    post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")
    captured = twilio.reply_sms(from_=ALICE, body="ack all")
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing="1: acknowledged by alice via sms")
    later = post_dispatch_and_run_workers(sender, {**MISO, "external_id": "MISO-2"})
    twilio.expect_sms(to=ALICE, containing="Reply 2 to ack")

    replayed = replay(captured)
    run_queued_tasks()

    assert replayed.status_code == 200
    assert replayed.headers["Content-Type"].startswith("text/xml")
    assert Event.objects.get(pk=later.pk).status == "triggered"
    assert InboundReply.objects.count() == 1
    twilio.expect_nothing_more()  # no "2: acknowledged by alice"


def test_the_same_key_press_sent_again_is_answered_and_changes_nothing(sender, clock, twilio):
    event = post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)
    clock(120)  # step 2: Bob and Dan by SMS, Bob by phone a minute later
    twilio.expect_sms(to=BOB)
    twilio.expect_sms(to=DAN)
    clock(60)
    pressed = twilio.key_press(twilio.expect_call(to=BOB), "1")
    run_queued_tasks()
    assert Event.objects.get(pk=event.pk).status == "acknowledged"
    acknowledged = event.timeline.count()

    replayed = replay(pressed)
    run_queued_tasks()

    assert replayed.status_code == 200
    assert replayed.text == pressed.text  # Twilio hears the same answer
    assert InboundReply.objects.count() == 1
    assert Event.objects.get(pk=event.pk).timeline.count() == acknowledged


def test_a_captured_slack_click_sent_again_does_not_acknowledge_the_reopened_event(
    sender, clock, twilio, slack
):
    post_dispatch_and_run_workers(sender)
    direct = slack.expect_message(to="U0ALICE")
    captured = slack.click_acknowledge(direct, user_id="U0ALICE")
    run_queued_tasks()
    assert Event.objects.get().status == "acknowledged"
    # The sender withdraws the dispatch, then sends it again: the same event is open again.
    post_dispatch_and_run_workers(sender, {**MISO, "revision": 1, "status": "cancelled"})
    post_dispatch_and_run_workers(sender, {**MISO, "revision": 2, "status": "active"})
    assert Event.objects.get().status == "triggered"

    replayed = replay(captured)  # within Slack's 5 minutes, so the signature still holds
    run_queued_tasks()

    assert replayed.status_code == 200
    assert Event.objects.get().status == "triggered"
    assert InboundReply.objects.count() == 1


def test_a_second_click_by_someone_else_is_not_a_replay(sender, clock, slack):
    post_dispatch_and_run_workers(sender)
    team_post = slack.expect_message(to="C0GRIDOPS")

    slack.click_acknowledge(team_post, user_id="U0ALICE")
    slack.click_acknowledge(team_post, user_id="U0BOB")
    run_queued_tasks()

    assert InboundReply.objects.count() == 2
