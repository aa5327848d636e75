"""Every way a channel can fail ends somewhere: `failed` with the reason on its log, the
person's next rule at once, and the engine told when nothing reached them. Never `sending`
forever."""

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_q.models import OrmQ

from notifications import services
from notifications.models import Channel, Notification
from tests.fakes.queue import run_queued_tasks
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = "event-1"


def page(person, channel, content, *, after=timedelta(0)):
    return services.schedule_page(
        person=person,
        channel=channel,
        content=content,
        reference=REFERENCE,
        due_at=timezone.now() + after,
    )


def test_an_alertmanager_description_with_newlines_is_emailed_under_a_one_line_subject(alice, miso):
    described = replace(
        miso,
        market="",
        program="",
        summary="Feeder 12 breaker open\r\nsince 14:02\n\nrunbook: https://wiki/feeder-12",
    )
    email = page(alice, Channel.EMAIL, described)
    run_queued_tasks()

    email.refresh_from_db()
    assert email.state == "sent"
    [sent] = mail.outbox
    assert sent.subject.startswith("Feeder 12 breaker open since 14:02 runbook: https://wiki/")
    assert "\n" not in sent.subject
    assert "Feeder 12 breaker open\r\nsince 14:02" in sent.body  # the body keeps the lines


def test_a_subject_as_long_as_a_summary_may_be_is_cut_to_one_bounded_line(alice, miso):
    page(alice, Channel.EMAIL, replace(miso, market="", program="", summary="x" * 1024))
    run_queued_tasks()
    [sent] = mail.outbox
    assert len(sent.subject) == 200
    assert sent.subject.endswith("...")


def test_twilio_answering_garbage_fails_the_sms_logs_why_and_the_call_goes_at_once(
    twilio, alice, miso, caplog
):
    twilio.garble_next()
    with time_machine.travel(NOON, tick=False):
        sms = page(alice, Channel.SMS, miso)
        call_in_a_minute = page(alice, Channel.VOICE, miso, after=timedelta(minutes=1))
        with caplog.at_level(logging.ERROR, logger="notifications"):
            run_queued_tasks()

    sms.refresh_from_db()
    assert (sms.state, sms.attempts) == ("failed", 1)
    assert sms.last_error.startswith("JSONDecodeError: Expecting value")
    assert sms.log.last().detail == sms.last_error
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.levelno == logging.ERROR
    assert "JSONDecodeError" in record.getMessage()
    twilio.expect_call(to=alice.phone)
    call_in_a_minute.refresh_from_db()
    assert call_in_a_minute.state == "sent"
    assert "moved forward: sms failed" in [e.detail for e in call_in_a_minute.log.all()]


def test_an_email_backend_raising_anything_fails_the_email_instead_of_leaving_it_sending(
    settings, alice, miso
):
    settings.EMAIL_BACKEND = "tests.notifications.test_failures.BrokenBackend"
    email = page(alice, Channel.EMAIL, miso)
    run_queued_tasks()

    email.refresh_from_db()
    assert (email.state, email.last_error) == ("failed", "RuntimeError: relay exploded")


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise RuntimeError("relay exploded")


def test_a_page_that_kills_every_worker_that_takes_it_fails_after_five_attempts(
    settings, alice, miso, unreachable
):
    settings.TWILIO_ACCOUNT_SID = ""  # the outbox: no provider, the worker is what dies
    with time_machine.travel(NOON, tick=False) as clock:
        sms = page(alice, Channel.SMS, miso)
        for attempt in range(1, 6):
            # A worker claims it and dies before recording anything.
            OrmQ.objects.all().delete()
            Notification.objects.filter(pk=sms.pk).update(
                state="sending", sent_at=timezone.now(), attempts=attempt
            )
            clock.shift(timedelta(seconds=121))
            services.enqueue_due(now=timezone.now())
        run_queued_tasks()

    sms.refresh_from_db()
    assert sms.state == "failed"
    assert sms.last_error == ("gave up after 5 attempts: the worker was lost mid-send each time")
    [(person_id, reference, failures)] = unreachable
    assert (person_id, reference) == (alice.pk, REFERENCE)
    assert failures == [["sms", sms.last_error]]


def test_when_alices_last_rule_fails_the_engine_is_told_how_each_one_failed(
    twilio, alice, miso, unreachable
):
    twilio.reject_next_as_invalid_number()
    sms = page(alice, Channel.SMS, miso)
    page(alice, Channel.VOICE, miso, after=timedelta(minutes=1))
    run_queued_tasks()
    assert unreachable == [], "the call is still to come"

    call = twilio.expect_call(to=alice.phone)
    twilio.complete_call(call, "no-answer")
    run_queued_tasks()

    assert unreachable == [
        (
            alice.pk,
            REFERENCE,
            [["sms", "twilio 21211 invalid number"], ["voice", "not reached: no-answer"]],
        )
    ]
    sms.refresh_from_db()
    assert sms.state == "failed"


def test_one_rule_that_got_through_means_alice_was_reached(twilio, alice, miso, unreachable):
    twilio.reject_next_as_invalid_number()  # the call is refused, the SMS goes
    page(alice, Channel.VOICE, miso)
    page(alice, Channel.SMS, miso)
    run_queued_tasks()

    twilio.expect_sms(to=alice.phone)
    assert Notification.objects.get(channel="voice").state == "failed"
    assert unreachable == []


def test_a_channel_post_that_fails_for_good_is_logged_at_error(slack, miso, caplog):
    slack.fail_next(error="channel_not_found")
    services.send_channel_notice(slack_channel="C0GONE", text="alice could not be reached")
    with caplog.at_level(logging.ERROR, logger="notifications"):
        run_queued_tasks()
    assert "to C0GONE failed for good: slack channel_not_found" in caplog.text
