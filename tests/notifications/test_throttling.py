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


def tick() -> None:
    """The clock's part, then the workers'."""
    services.enqueue_due(now=timezone.now())
    run_queued_tasks()


def test_a_burst_of_30_pages_is_4_sms_at_once_and_one_bundle_for_the_rest_10_s_later(
    twilio, alice, miso
):
    with time_machine.travel(NOON, tick=False) as clock:
        references = burst(alice, miso, 30)
        run_queued_tasks()

        for code in range(1, 5):
            twilio.expect_sms(to=alice.phone, containing=f"Reply {code} to ack.")
        twilio.expect_nothing_more()  # the 5th waits for the storm to show itself
        bundle = Notification.objects.get(kind="bundle")
        assert bundle.due_at == NOON + timedelta(seconds=10)

        # Acknowledged meanwhile: it leaves the bundle.
        services.cancel_pending(reference=references[5], reason="acknowledged by alice via web")

        clock.shift(timedelta(seconds=9))
        tick()
        twilio.expect_nothing_more()
        clock.shift(timedelta(seconds=1))
        tick()

        sms = twilio.expect_sms(to=alice.phone, containing="reply 'ack all'")
        assert sms.body == (
            "25 pages for grid-ops held back (SMS limit 5 per 15 min): "
            "reply 'ack all' to acknowledge all."
        )
        assert gsm7_length(sms.body) <= 160
        bundle.refresh_from_db()
        assert bundle.references == [references[4], *references[6:]]

        # The window is full now: later pages wait for it, in the next bundle.
        clock.shift(timedelta(seconds=20))
        later = burst(alice, miso, 3)
        run_queued_tasks()
        twilio.expect_nothing_more()
        clock.shift(timedelta(minutes=14, seconds=29))
        tick()
        twilio.expect_nothing_more()
        clock.shift(timedelta(seconds=1))  # NOON + 15 min: the first SMS leave the window
        tick()

    again = twilio.expect_sms(to=alice.phone, containing="3 pages for grid-ops held back")
    twilio.expect_nothing_more()
    assert Notification.objects.get(provider_id=again.sid).references == later

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


def test_a_storm_of_1000_pages_in_10_s_is_known_at_once_in_one_sms(twilio, alice, miso):
    with time_machine.travel(NOON, tick=False) as clock:
        for second in range(10):
            for n in range(100):
                services.schedule_page(
                    person=alice,
                    channel=Channel.SMS,
                    content=replace(miso, ack_code=str(second * 100 + n + 1)),
                    reference=f"event-{second:02d}-{n:02d}",
                    due_at=timezone.now(),
                )
            run_queued_tasks()
            clock.shift(timedelta(seconds=1))
        tick()  # NOON + 10 s

    for _ in range(4):
        twilio.expect_sms(to=alice.phone, containing="to ack.")
    bundle = twilio.expect_sms(to=alice.phone, containing="held back")
    assert bundle.body == (
        "996 pages for grid-ops held back (SMS limit 5 per 15 min): "
        "reply 'ack all' to acknowledge all."
    )
    twilio.expect_nothing_more()
    assert Notification.objects.filter(kind="page", state="suppressed").count() == 996


def test_the_fifth_page_waits_10_s_for_a_storm_none_comes_and_it_goes_as_itself(
    twilio, alice, miso
):
    with time_machine.travel(NOON, tick=False) as clock:
        burst(alice, miso, 5)
        services.send_status(person=alice, channel=Channel.SMS, text="acknowledged by bob")
        run_queued_tasks()
        for _ in range(4):
            twilio.expect_sms(to=alice.phone, containing="to ack.")
        twilio.expect_sms(to=alice.phone, containing="acknowledged by bob")  # never held back
        twilio.expect_nothing_more()

        clock.shift(timedelta(seconds=10))
        tick()

    fifth = twilio.expect_sms(to=alice.phone, containing="Reply 5 to ack.")
    twilio.expect_nothing_more()
    page = Notification.objects.get(provider_id=fifth.sid)
    assert (page.kind, page.state, page.held_in) == ("page", "sent", None)
    assert Notification.objects.get(kind="bundle").state == "suppressed"
    assert [e.kind for e in selectors.timeline(reference=page.reference)] == ["notified"]


def test_the_waiting_page_answered_meanwhile_goes_nowhere_and_the_rest_still_go(
    twilio, alice, miso
):
    with time_machine.travel(NOON, tick=False) as clock:
        references = burst(alice, miso, 7)
        run_queued_tasks()
        services.cancel_pending(reference=references[4], reason="acknowledged by bob via sms")
        clock.shift(timedelta(seconds=10))
        tick()

    for _ in range(4):
        twilio.expect_sms(to=alice.phone, containing="to ack.")
    twilio.expect_sms(to=alice.phone, containing="2 pages for grid-ops held back")
    twilio.expect_nothing_more()
    assert Notification.objects.get(reference=references[4]).state == "suppressed"


def test_a_storm_of_calls_is_two_calls_then_one_asking_for_1_to_acknowledge_all(
    twilio, alice, miso, engine
):
    with time_machine.travel(NOON, tick=False) as clock:
        references = [f"event-{i:02d}" for i in range(8)]
        for reference in references:
            services.schedule_page(
                person=alice,
                channel=Channel.VOICE,
                content=miso,
                reference=reference,
                due_at=timezone.now(),
            )
        run_queued_tasks()
        twilio.expect_call(to=alice.phone)
        twilio.expect_call(to=alice.phone)
        twilio.expect_nothing_more()
        clock.shift(timedelta(seconds=10))
        tick()

    call = twilio.expect_call(to=alice.phone)
    twilio.answer_call(call)
    assert call.said[0] == (
        "6 pages for grid-ops held back, Voice call limit 3 per 15 min. "
        "Press 1 to acknowledge all of them."
    )
    twilio.press_key(call, "1")
    run_queued_tasks()
    [key] = engine
    assert key.notification.references == references[2:]


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
        for _ in range(9):
            slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW")
        slack.expect_nothing_more()

        clock.shift(timedelta(seconds=10))
        tick()

    bundle = slack.expect_message(to="U0ALICE", containing="3 pages for grid-ops held back")
    assert slack.click(bundle, user_id="U0ALICE", action_id="acknowledge_all").status_code == 200
    run_queued_tasks()
    [click] = engine
    assert click.action == "acknowledge_all"
    assert click.notification.references == references[9:]
    slack.expect_nothing_more()


def test_a_slack_bundle_shows_each_answer_and_keeps_its_button_until_the_last(slack, alice, miso):
    with time_machine.travel(NOON, tick=False) as clock:
        references = [f"event-{i:02d}" for i in range(11)]
        for n, reference in enumerate(references):
            services.schedule_page(
                person=alice,
                channel=Channel.SLACK,
                content=replace(miso, summary=f"dispatch {n}", ack_code=str(n)),
                reference=reference,
                due_at=timezone.now(),
            )
        run_queued_tasks()
        clock.shift(timedelta(seconds=10))
        tick()
    for n in range(9):
        slack.expect_message(to="U0ALICE", containing=f"dispatch {n},")
    bundle = slack.expect_message(to="U0ALICE", containing="2 pages for grid-ops held back")

    services.update_slack_messages(reference="event-09", text="Acknowledged by bob via sms")
    run_queued_tasks()

    update = slack.expect_update(bundle, containing="dispatch 9 [9]: Acknowledged by bob")
    assert "- dispatch 10 [10]\n" in update + "\n"  # still open
    assert bundle.button("acknowledge_all")

    services.update_slack_messages(reference="event-10", text="Resolved by carol via web")
    run_queued_tasks()

    slack.expect_update(bundle, containing="dispatch 10 [10]: Resolved by carol via web")
    with pytest.raises(AssertionError, match="no button"):
        bundle.button()
    slack.expect_nothing_more()


def test_workers_racing_through_a_storm_send_4_pages_then_one_bundle_and_lose_nothing(
    twilio, alice, miso
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL (SQLite has one writer)")
    with time_machine.travel(NOON, tick=False) as clock:
        pages = [
            services.schedule_page(
                person=alice,
                channel=Channel.SMS,
                content=miso,
                reference=f"e{i}",
                due_at=timezone.now(),
            ).pk
            for i in range(40)
        ]
        start = threading.Barrier(8)

        def worker(mine):
            start.wait()
            try:
                for pk in mine:
                    services.deliver(notification_id=pk)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(pages[i::8],)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(twilio.sms) == 4, "the 5th place is kept for the storm"
        waiting = Notification.objects.get(kind="page", state="pending")
        bundle = Notification.objects.get(kind="bundle")
        assert waiting.held_in == bundle
        clock.shift(timedelta(seconds=10))
        tick()

    assert len(twilio.sms) == 5
    assert twilio.sms[-1].body.startswith("36 pages for grid-ops held back")
    bundle.refresh_from_db()
    assert bundle.state == "sent"
    sent_alone = set(Notification.objects.filter(kind="page", state="sent").values_list("pk"))
    held = set(Notification.objects.filter(held_in=bundle).values_list("pk"))
    assert len(sent_alone) == 4
    assert sent_alone | held == {(pk,) for pk in pages}, "every page went, alone or bundled"
