"""SMS and calls through the real twilio SDK and the fake Twilio: tests that read like a phone."""

import threading
from datetime import timedelta

import pytest
import requests
import time_machine
from django.db import connection
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notifications import services
from notifications.models import Channel, InboundReply, Notification
from tests.fakes.queue import run_queued_tasks
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db(transaction=True)


def page(person, channel, content, *, reference="event-1", after=timedelta(0)):
    return services.schedule_page(
        person=person,
        channel=channel,
        content=content,
        reference=reference,
        due_at=timezone.now() + after,
    )


def test_page_alice_by_sms_she_replies_4_and_is_told_it_is_acknowledged(
    twilio, alice, miso, engine
):
    with time_machine.travel(NOON, tick=False):
        notification = page(alice, Channel.SMS, miso)
        run_queued_tasks()

        sms = twilio.expect_sms(to=alice.phone, containing="Reply 4 to ack")
        assert sms.body == (
            "MISO LMR dispatch: 12.5 MW in LRZ 4 at 14:00 CDT (in 1 h 45 min). "
            "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4. Reply 4 to ack."
        )
        assert twilio.deliver_sms(sms, "delivered").status_code == 204
        notification.refresh_from_db()
        assert notification.state == "delivered"
        assert notification.provider_id == sms.sid

        twilio.reply_sms(from_=alice.phone, body=" 4 ")
        run_queued_tasks()

    [reply] = engine
    assert (reply.channel, reply.person, reply.text) == ("sms", alice, "4")
    twilio.expect_sms(to=alice.phone, containing="acknowledged by alice")
    twilio.expect_nothing_more()


def test_a_call_reads_the_page_asks_for_1_and_hands_the_key_press_upward(
    twilio, alice, miso, engine
):
    with time_machine.travel(NOON, tick=False):
        notification = page(alice, Channel.VOICE, miso)
        run_queued_tasks()

    call = twilio.expect_call(to=alice.phone)
    twilio.answer_call(call)
    assert call.said[0] == (
        "MISO LMR dispatch: 12.5 megawatts in LRZ 4. "
        "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4. "
        "Starts at 14:00 CDT, in 1 hour 45 minutes."
    )
    assert "Press 1 to acknowledge." in call.said
    assert call.said[-1] == "No key pressed. Goodbye."

    answer = twilio.press_key(call, "1")
    assert "acknowledgement is recorded" in answer
    twilio.complete_call(call, "completed")
    run_queued_tasks()

    [reply] = engine
    assert (reply.channel, reply.text, reply.person, reply.notification) == (
        "voice",
        "1",
        alice,
        notification,
    )
    notification.refresh_from_db()
    assert notification.state == "delivered"
    assert [entry.state for entry in notification.log.all()] == [
        "pending",
        "sending",
        "sent",
        "delivered",
    ]
    twilio.expect_nothing_more()


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_an_unanswered_call_moves_on_to_the_next_rule_at_once(twilio, alice, miso, status):
    call_first = page(alice, Channel.VOICE, miso)
    sms_later = page(alice, Channel.SMS, miso, after=timedelta(minutes=5))
    run_queued_tasks()

    call = twilio.expect_call(to=alice.phone)
    twilio.complete_call(call, status)
    run_queued_tasks()

    twilio.expect_sms(to=alice.phone, containing="Reply 4 to ack")
    call_first.refresh_from_db()
    sms_later.refresh_from_db()
    assert call_first.state == "failed"
    assert call_first.last_error == f"not reached: {status}"
    assert sms_later.state == "sent"
    twilio.expect_nothing_more()


def test_an_invalid_number_fails_at_once_and_the_next_rule_goes_now(twilio, alice, miso):
    twilio.reject_next_as_invalid_number()
    sms = page(alice, Channel.SMS, miso)
    call_in_a_minute = page(alice, Channel.VOICE, miso, after=timedelta(minutes=1))
    run_queued_tasks()

    sms.refresh_from_db()
    assert sms.state == "failed"
    assert sms.attempts == 1
    assert sms.log.last().detail == "twilio 21211 invalid number"
    twilio.expect_call(to=alice.phone)
    call_in_a_minute.refresh_from_db()
    assert call_in_a_minute.state == "sent"
    assert "moved forward: sms failed" in [e.detail for e in call_in_a_minute.log.all()]
    twilio.expect_nothing_more()


def test_a_server_error_is_retried_with_back_off_then_succeeds(twilio, alice, miso):
    twilio.fail_next(times=2, status=500)
    with time_machine.travel(NOON, tick=False) as clock:
        sms = page(alice, Channel.SMS, miso)
        run_queued_tasks()
        sms.refresh_from_db()
        assert (sms.state, sms.due_at) == ("pending", NOON + timedelta(seconds=10))

        clock.shift(timedelta(seconds=9))
        assert services.enqueue_due(now=timezone.now()) == 0, "not before the back-off ends"
        clock.shift(timedelta(seconds=1))
        assert services.enqueue_due(now=timezone.now()) == 1
        run_queued_tasks()
        sms.refresh_from_db()
        assert sms.due_at == NOON + timedelta(seconds=10 + 20), "the second wait is twice as long"

        clock.shift(timedelta(seconds=20))
        services.enqueue_due(now=timezone.now())
        run_queued_tasks()

    twilio.expect_sms(to=alice.phone, containing="Reply 4 to ack")
    twilio.expect_nothing_more()
    sms.refresh_from_db()
    assert (sms.state, sms.attempts) == ("sent", 3)
    assert [e.detail for e in sms.log.filter(state="pending")][1:] == [
        "twilio HTTP 500; retry in 10 s",
        "twilio HTTP 500; retry in 20 s",
    ]


def test_a_forged_twilio_signature_is_refused_and_changes_nothing(twilio, alice, miso, engine):
    sms = page(alice, Channel.SMS, miso)
    run_queued_tasks()
    sent = twilio.expect_sms(to=alice.phone)

    forged = twilio.reply_sms(from_=alice.phone, body="4", auth_token="not-the-auth-token")
    assert forged.status_code == 403
    other_url = sent.status_callback.replace(f"/status/{sms.pk}", f"/status/{sms.pk + 1}")
    signature = RequestValidator(twilio.auth_token).compute_signature(other_url, {"x": "1"})
    replayed = requests.post(
        sent.status_callback,
        data={"MessageSid": sent.sid, "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": signature},
        timeout=5,
    )
    assert replayed.status_code == 403, "a signature for another URL and body"
    assert twilio.deliver_sms(sent, "failed", auth_token="guessed").status_code == 403

    run_queued_tasks()
    assert engine == []
    assert not InboundReply.objects.exists()
    sms.refresh_from_db()
    assert sms.state == "sent"


def test_two_workers_racing_on_one_notification_send_it_once(twilio, alice, miso, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL (SQLite has one writer)")
    notification = page(alice, Channel.SMS, miso)
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        start.wait()
        try:
            outcomes.append(services.deliver(notification_id=notification.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["not pending, or not due yet", "sent"]
    twilio.expect_sms(to=alice.phone)
    twilio.expect_nothing_more()
    assert Notification.objects.get(pk=notification.pk).attempts == 1
