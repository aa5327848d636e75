"""Whatever comes back by SMS (a thumb, a carrier's junk, NUL, 10,000 characters), the reply is
kept, understood or answered with help, and never raises."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edrops.services.replies import parse_sms
from notifications import services as notifications
from notifications.models import Channel, InboundReply, Notification
from tests.factories import PersonFactory
from tests.fakes.queue import run_queued_tasks

any_char = st.characters(exclude_categories=())  # lone surrogates too: JSON carries them
replies = st.one_of(
    st.text(any_char, max_size=200),
    st.sampled_from(
        ["4", "ack 4", " A 4 ", "ACK ALL", "ack", "a", "٤", "ack \uff19", "0", "ack -1"]
    ),
    st.builds(lambda s: (s * 10_000)[:10_000], st.text(any_char, min_size=1, max_size=5)),
)


@settings(max_examples=200, deadline=None)
@given(text=replies)
def test_any_text_parses_to_a_command(text):
    command = parse_sms(text)
    assert command.kind in {"newest", "all", "code", "unknown"}
    assert (command.code is not None) == (command.kind == "code")


def test_the_commands_people_send():
    assert parse_sms(" ACK  4 ").code == parse_sms("a4").code == parse_sms("4").code == 4
    assert parse_sms("Ack All").kind == "all"
    assert parse_sms("ack").kind == "newest"
    assert parse_sms("yes").kind == "unknown"


@pytest.fixture
def no_credentials(settings):
    settings.TWILIO_ACCOUNT_SID = settings.SLACK_BOT_TOKEN = ""


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=replies)
@example(text="4\x00")  # PostgreSQL refuses NUL in text and JSON
@example(text="ack \ud800")  # no database takes a lone surrogate
def test_any_sms_reply_is_kept_and_answered(no_credentials, text):
    alice = PersonFactory(handle="alice", phone="+13125550101")
    reply = notifications.record_reply(
        channel=Channel.SMS, sender=alice.phone, text=text, raw={"Body": text, "From": "x"}
    )
    run_queued_tasks()
    assert InboundReply.objects.filter(pk=reply.pk).exists()
    answer = Notification.objects.filter(person=alice, kind="status").latest("pk")
    assert answer.state == "sent"
