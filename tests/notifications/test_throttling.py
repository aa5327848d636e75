"""How many pages a person can handle: a burst is bundled, nothing is dropped silently."""

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from notifications import selectors, services
from notifications.models import Channel, Notification
from notifications.rendering import gsm7_length
from tests.fakes.queue import run_queued_tasks
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db(transaction=True)


def burst(person, content, count):
    references = [f"event-{i:02d}" for i in range(count)]
    for i, reference in enumerate(references):
        services.schedule_page(
            person=person,
            channel=Channel.SMS,
            content=replace(content, ack_code=str(i + 1)),
            reference=reference,
            due_at=timezone.now(),
        )
    return references


def test_a_burst_of_30_pages_becomes_5_sms_and_one_bundle_within_the_limit(twilio, alice, miso):
    with time_machine.travel(NOON, tick=False) as clock:
        references = burst(alice, miso, 30)
        run_queued_tasks()

        for code in range(1, 6):
            twilio.expect_sms(to=alice.phone, containing=f"Reply {code} to ack.")
        twilio.expect_nothing_more()
        held = Notification.objects.filter(kind="page", state="suppressed")
        assert held.count() == 25
        bundle = Notification.objects.get(kind="bundle")
        assert bundle.due_at == NOON + timedelta(minutes=15), "when the 15-minute window allows"

        # Acknowledged meanwhile: it leaves the bundle.
        services.cancel_pending(reference=references[5], reason="acknowledged by alice via web")

        clock.shift(timedelta(minutes=14, seconds=59))
        services.enqueue_due(now=timezone.now())
        run_queued_tasks()
        twilio.expect_nothing_more()

        clock.shift(timedelta(seconds=1))
        assert services.enqueue_due(now=timezone.now()) == 1
        run_queued_tasks()

    sms = twilio.expect_sms(to=alice.phone, containing="reply 'ack all'")
    assert sms.body == (
        "24 pages for grid-ops held back (SMS limit 5 per 15 min): "
        "reply 'ack all' to acknowledge all."
    )
    assert gsm7_length(sms.body) <= 160
    twilio.expect_nothing_more()
    bundle.refresh_from_db()
    assert bundle.references == references[6:]

    timeline = selectors.timeline(reference=references[7])
    assert [(e.kind, e.detail) for e in timeline] == [
        ("suppressed", f"suppressed: SMS limit 5 per 15 min, held for bundle #{bundle.pk}"),
        ("notified", f"sms {sms.sid}"),
        ("suppressed", f"sent in bundle #{bundle.pk}"),
    ]
    assert [e.kind for e in selectors.timeline(reference=references[5])] == [
        "suppressed",
        "suppressed",
    ]


def test_status_messages_are_never_held_back(twilio, alice, miso):
    burst(alice, miso, 5)
    services.send_status(person=alice, channel=Channel.SMS, text="acknowledged by bob via sms")
    run_queued_tasks()

    for _ in range(5):
        twilio.expect_sms(to=alice.phone, containing="to ack.")
    twilio.expect_sms(to=alice.phone, containing="acknowledged by bob via sms")
    twilio.expect_nothing_more()


def test_pages_held_on_slack_come_back_as_one_message_with_an_acknowledge_all_button(
    slack, alice, miso, engine
):
    with time_machine.travel(NOON, tick=False) as clock:
        references = [f"event-{i:02d}" for i in range(12)]
        for reference in references:
            services.schedule_page(
                person=alice,
                channel=Channel.SLACK,
                content=miso,
                reference=reference,
                due_at=timezone.now(),
            )
        run_queued_tasks()
        for _ in range(10):
            slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
        slack.expect_nothing_more()

        clock.shift(timedelta(minutes=15))
        services.enqueue_due(now=timezone.now())
        run_queued_tasks()

    bundle = slack.expect_message(to="U0ALICE", containing="2 pages for grid-ops held back")
    assert slack.click(bundle, user_id="U0ALICE", action_id="acknowledge_all").status_code == 200
    run_queued_tasks()
    [click] = engine
    assert click.action == "acknowledge_all"
    assert click.notification.references == references[10:]
    slack.expect_nothing_more()


def test_a_slack_bundle_shows_each_answer_and_keeps_its_button_until_the_last(slack, alice, miso):
    with time_machine.travel(NOON, tick=False) as clock:
        references = [f"event-{i:02d}" for i in range(12)]
        for n, reference in enumerate(references):
            services.schedule_page(
                person=alice,
                channel=Channel.SLACK,
                content=replace(miso, summary=f"dispatch {n}", ack_code=str(n)),
                reference=reference,
                due_at=timezone.now(),
            )
        run_queued_tasks()
        clock.shift(timedelta(minutes=15))
        services.enqueue_due(now=timezone.now())
        run_queued_tasks()
    for n in range(10):
        slack.expect_message(to="U0ALICE", containing=f"dispatch {n},")
    bundle = slack.expect_message(to="U0ALICE", containing="2 pages for grid-ops held back")

    services.update_slack_messages(reference="event-10", text="Acknowledged by bob via sms")
    run_queued_tasks()

    update = slack.expect_update(bundle, containing="dispatch 10 [10]: Acknowledged by bob")
    assert "- dispatch 11 [11]\n" in update + "\n"  # still open
    assert bundle.button("acknowledge_all")

    services.update_slack_messages(reference="event-11", text="Resolved by carol via web")
    run_queued_tasks()

    slack.expect_update(bundle, containing="dispatch 11 [11]: Resolved by carol via web")
    with pytest.raises(AssertionError, match="no button"):
        bundle.button()
    slack.expect_nothing_more()


def test_workers_racing_on_one_persons_pages_never_overshoot_the_limit(twilio, alice, miso):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL (SQLite has one writer)")
    pages = [
        services.schedule_page(
            person=alice,
            channel=Channel.SMS,
            content=miso,
            reference=f"e{i}",
            due_at=timezone.now(),
        )
        for i in range(8)
    ]
    start = threading.Barrier(len(pages))

    def worker(notification_id):
        start.wait()
        try:
            services.deliver(notification_id=notification_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(page.pk,)) for page in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(twilio.sms) == 5
    assert Notification.objects.filter(kind="page", state="suppressed").count() == 3
