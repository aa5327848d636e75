"""Posts to a Slack channel for nobody in particular: a step's `slack:CHANNEL` page, and the
notice a team channel gets. Through the real slack_sdk and the fake Slack Web API."""

import threading
import time
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notifications import selectors, services
from notifications.models import Channel, Notification, OutboxMessage
from tests.fakes.queue import run_queued_tasks
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = "5f0c8e5e-3f77-4d3c-9a55-0f5f6c1f2a10"
EASTERN = ZoneInfo("America/New_York")


def post_page(content, *, channel="C0MARKETS", reference=REFERENCE):
    return services.schedule_channel_page(
        slack_channel=channel,
        content=content,
        reference=reference,
        due_at=timezone.now(),
        tz=EASTERN,
    )


def test_a_page_to_a_channel_is_posted_once_with_the_button_in_the_zone_given(slack, miso):
    with time_machine.travel(NOON, tick=False):
        first = post_page(miso)
        again = post_page(miso)  # a later step naming the same channel
        run_queued_tasks()

    post = slack.expect_message(to="C0MARKETS", containing="at 15:00 EDT (in 1 h 45 min)")
    assert post.button("acknowledge")["value"] == REFERENCE
    slack.expect_nothing_more()
    assert again is None
    first.refresh_from_db()
    assert (first.person, first.state) == (None, "sent")


def test_two_steps_racing_to_post_the_same_page_to_a_channel_post_it_once(slack, miso):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent uncommitted writers need PostgreSQL (SQLite has one writer)")
    results = {}
    first_scheduled = threading.Barrier(2)

    def first():
        try:
            with transaction.atomic():
                results["first"] = post_page(miso)
                first_scheduled.wait(timeout=5)
                time.sleep(0.3)  # the second looks before this commits
        finally:
            connection.close()

    def second():
        first_scheduled.wait(timeout=5)
        try:
            results["second"] = post_page(miso)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_queued_tasks()

    assert results["first"] is not None
    assert results["second"] is None
    slack.expect_message(to="C0MARKETS")
    slack.expect_nothing_more()


def test_a_click_on_a_channel_post_is_handed_upward_with_the_clicker_and_updates_it(
    slack, alice, miso, engine
):
    notification = post_page(miso)
    run_queued_tasks()
    post = slack.expect_message(to="C0MARKETS")

    assert slack.click_acknowledge(post, user_id="U0ALICE").status_code == 200
    run_queued_tasks()
    [click] = engine
    assert (click.action, click.text, click.person, click.notification) == (
        "acknowledge",
        REFERENCE,
        alice,
        notification,
    )

    assert services.update_slack_messages(reference=REFERENCE, text="Acknowledged by alice") == 1
    run_queued_tasks()
    slack.expect_update(post, containing="Acknowledged by alice")


def test_a_storm_posts_every_event_to_the_channel_no_personal_limit_holds_them(slack, miso):
    # A person's Slack limit is 10 per 15 minutes; a channel keeps one button per event.
    for i in range(12):
        post_page(replace(miso, ack_code=str(i + 1)), reference=f"event-{i:02d}")
    run_queued_tasks()

    for _ in range(12):
        slack.expect_message(to="C0MARKETS")
    slack.expect_nothing_more()
    assert not Notification.objects.filter(kind="bundle").exists()
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


def test_a_channel_that_does_not_exist_fails_at_once_and_says_so(slack, miso):
    slack.fail_next(error="channel_not_found")
    notification = post_page(miso, channel="C0GONE")
    run_queued_tasks()

    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("failed", 1)
    [failed] = [e for e in selectors.timeline(reference=REFERENCE) if e.kind == "failed"]
    assert (failed.person, failed.channel, failed.detail) == (
        None,
        "slack",
        "slack channel_not_found",
    )
    slack.expect_nothing_more()


def test_a_step_naming_the_team_channel_finds_the_page_already_there(slack, alice, miso):
    services.schedule_page(
        person=alice,
        channel=Channel.SLACK,
        content=miso,
        reference=REFERENCE,
        due_at=timezone.now(),
        team_slack_channel="C0GRIDOPS",
    )
    run_queued_tasks()
    post_page(miso, channel="C0GRIDOPS")
    run_queued_tasks()

    slack.expect_message(to="C0GRIDOPS")
    slack.expect_message(to="U0ALICE")
    slack.expect_nothing_more()
    assert "C0GRIDOPS already has the page" in [
        e.detail for e in selectors.timeline(reference=REFERENCE) if e.kind == "notified"
    ]


def test_a_reopened_event_is_posted_in_the_channel_again_beside_its_answered_post(slack, miso):
    with time_machine.travel(NOON, tick=False):
        post_page(miso)
        run_queued_tasks()
    first = slack.expect_message(to="C0MARKETS", containing="curtail 12.5 MW")
    services.update_slack_messages(reference=REFERENCE, text="Resolved by alice via web")
    run_queued_tasks()
    slack.expect_update(first, containing="Resolved by alice via web")

    with time_machine.travel(NOON, tick=False):
        post_page(miso)  # the sender triggered it again: escalation starts over
        run_queued_tasks()

    again = slack.expect_message(to="C0MARKETS", containing="curtail 12.5 MW")
    assert again.button("acknowledge")["value"] == REFERENCE
    slack.expect_nothing_more()


def test_a_notice_to_a_channel_is_plain_text_and_updated_with_the_event(slack, miso):
    services.send_channel_notice(
        slack_channel="C0GRIDOPS", text="Nobody acknowledged MISO LMR dispatch", reference=REFERENCE
    )
    run_queued_tasks()
    notice = slack.expect_message(to="C0GRIDOPS", containing="Nobody acknowledged")
    assert [block["type"] for block in notice.blocks] == ["section"]

    services.update_slack_messages(reference=REFERENCE, text="Acknowledged by dan via sms")
    run_queued_tasks()
    slack.expect_update(notice, containing="Acknowledged by dan via sms")


def test_without_credentials_channel_posts_land_in_the_outbox_and_its_page_shows_them(
    settings, client, miso
):
    settings.SLACK_BOT_TOKEN = ""
    with time_machine.travel(NOON, tick=False):
        post_page(miso)
        services.send_channel_notice(
            slack_channel="C0GRIDOPS", text="Nobody acknowledged it", reference=REFERENCE
        )
        run_queued_tasks()
    services.update_slack_messages(reference=REFERENCE, text="Acknowledged by alice via sms")
    run_queued_tasks()

    sent = {(m.to, m.subject): m.text for m in OutboxMessage.objects.all()}
    assert sent["C0MARKETS", ""].startswith(
        "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4, at 15:00 EDT"
    )
    assert sent["C0GRIDOPS", "Nobody acknowledged it"] == "Nobody acknowledged it"
    for channel in ("C0MARKETS", "C0GRIDOPS"):
        assert sent[channel, "(update of an earlier message)"] == "Acknowledged by alice via sms"

    client.force_login(get_user_model().objects.create_user("ops"))
    page = client.get("/outbox/").content.decode()
    assert "to <strong>C0MARKETS</strong></span>" in page


def test_a_notification_is_for_a_person_or_a_slack_channel_never_neither(alice):
    with pytest.raises(IntegrityError):
        Notification.objects.create(channel=Channel.SMS, due_at=timezone.now())


def test_the_admin_lists_and_shows_a_channel_post(settings, admin_client, miso):
    settings.SLACK_BOT_TOKEN = ""
    post = post_page(miso)
    run_queued_tasks()

    listing = admin_client.get("/admin/notifications/notification/").content.decode()
    assert '<td class="field-addressee">C0MARKETS</td>' in listing
    page = admin_client.get(f"/admin/notifications/notification/{post.pk}/change/").content
    assert b"outbox (C0MARKETS)" in page  # its log
