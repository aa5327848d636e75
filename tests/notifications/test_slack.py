"""Slack pages through the real slack_sdk and the fake Slack Web API."""

import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications import services
from notifications.models import Channel, InboundReply
from tests.factories import PersonFactory
from tests.fakes.queue import run_queued_tasks
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = "5f0c8e5e-3f77-4d3c-9a55-0f5f6c1f2a10"


def slack_page(person, content, *, team_slack_channel="C0GRIDOPS"):
    return services.schedule_page(
        person=person,
        channel=Channel.SLACK,
        content=content,
        reference=REFERENCE,
        due_at=timezone.now(),
        team_slack_channel=team_slack_channel,
    )


def test_a_slack_page_goes_to_the_team_and_to_alice_and_her_click_is_handed_upward(
    slack, alice, miso, engine
):
    with time_machine.travel(NOON, tick=False):
        notification = slack_page(alice, miso)
        run_queued_tasks()

    in_channel = slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW in LRZ 4")
    direct = slack.expect_message(to="U0ALICE", containing="at 14:00 CDT (in 1 h 45 min)")
    assert direct.button() == {
        "type": "button",
        "action_id": "acknowledge",
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "style": "primary",
        "value": REFERENCE,
    }

    assert slack.click_acknowledge(in_channel, user_id="U0ALICE").status_code == 200
    run_queued_tasks()
    [click] = engine
    assert (click.channel, click.action, click.text, click.person) == (
        "slack",
        "acknowledge",
        REFERENCE,
        alice,
    )
    assert click.notification == notification

    assert services.update_slack_messages(reference=REFERENCE, text="Acknowledged by alice") == 2
    run_queued_tasks()
    slack.expect_update(in_channel, containing="Acknowledged by alice")
    slack.expect_update(direct, containing="Acknowledged by alice")
    slack.expect_nothing_more()


def test_the_team_channel_gets_one_message_per_event_however_many_are_paged(slack, alice, miso):
    bob = PersonFactory(handle="bob", slack_user_id="U0BOB")
    slack_page(alice, miso)
    slack_page(bob, miso)
    run_queued_tasks()

    slack.expect_message(to="C0GRIDOPS")
    slack.expect_message(to="U0ALICE")
    slack.expect_message(to="U0BOB")
    slack.expect_nothing_more()


def test_slack_rate_limit_is_retried_after_the_retry_after_it_asked_for(slack, alice, miso):
    slack.rate_limit_next(retry_after=30)
    with time_machine.travel(NOON, tick=False) as clock:
        notification = slack_page(alice, miso, team_slack_channel="")
        run_queued_tasks()
        notification.refresh_from_db()
        assert notification.state == "pending"
        assert notification.due_at == NOON + timedelta(seconds=30)
        assert (
            notification.log.last().detail == "slack ratelimited, Retry-After 30 s; retry in 30 s"
        )

        clock.shift(timedelta(seconds=29))
        assert services.enqueue_due(now=timezone.now()) == 0
        clock.shift(timedelta(seconds=1))
        assert services.enqueue_due(now=timezone.now()) == 1
        run_queued_tasks()

    slack.expect_message(to="U0ALICE", containing="MISO")
    slack.expect_nothing_more()
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("sent", 2)


def test_an_unknown_channel_is_permanent_and_the_next_rule_goes_at_once(slack, twilio, alice, miso):
    slack.fail_next(error="channel_not_found")
    page = slack_page(alice, miso, team_slack_channel="C0GONE")
    services.schedule_page(
        person=alice,
        channel=Channel.SMS,
        content=miso,
        reference=REFERENCE,
        due_at=timezone.now() + timedelta(minutes=2),
    )
    run_queued_tasks()

    page.refresh_from_db()
    assert (page.state, page.last_error, page.attempts) == ("failed", "slack channel_not_found", 1)
    twilio.expect_sms(to=alice.phone, containing="Reply 4 to ack")
    twilio.expect_nothing_more()
    slack.expect_nothing_more()


def test_a_stale_or_forged_slack_click_is_refused_and_changes_nothing(slack, alice, miso, engine):
    slack_page(alice, miso, team_slack_channel="")
    run_queued_tasks()
    direct = slack.expect_message(to="U0ALICE")

    six_minutes_ago = int(time.time()) - 6 * 60
    stale = slack.click_acknowledge(direct, user_id="U0ALICE", timestamp=six_minutes_ago)
    forged = slack.click_acknowledge(direct, user_id="U0ALICE", secret="guessed")
    assert (stale.status_code, forged.status_code) == (403, 403)

    run_queued_tasks()
    assert engine == []
    assert not InboundReply.objects.exists()


def test_a_slack_server_error_is_retried_and_the_message_is_posted_once(slack, alice, miso):
    slack.fail_next(status=500)
    with time_machine.travel(NOON, tick=False) as clock:
        notification = slack_page(alice, miso, team_slack_channel="")
        run_queued_tasks()
        clock.shift(timedelta(seconds=10))
        services.enqueue_due(now=timezone.now())
        run_queued_tasks()

    slack.expect_message(to="U0ALICE")
    slack.expect_nothing_more()
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("sent", 2)
    assert "slack HTTP 500; retry in 10 s" in [e.detail for e in notification.log.all()]


def test_slack_unreachable_is_a_transient_error(settings, alice, miso):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.SLACK_BOT_TOKEN = "xoxb-anything"
    settings.SLACK_API_URL = f"http://127.0.0.1:{port}/api/"
    notification = slack_page(alice, miso, team_slack_channel="")
    run_queued_tasks()

    notification.refresh_from_db()
    assert notification.state == "pending"
    assert notification.last_error.startswith("slack unreachable")
