"""Without Slack or Twilio credentials every page lands in the outbox, shown at /outbox/."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import Channel, OutboxMessage
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_credentials(settings):
    settings.SLACK_BOT_TOKEN = settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""


def page_by_every_channel(person, content):
    for channel in Channel:
        services.schedule_page(
            person=person,
            channel=channel,
            content=content,
            reference="event-1",
            due_at=timezone.now(),
            team_slack_channel="C0GRIDOPS",
        )
    run_queued_tasks()


def test_every_page_is_in_the_outbox_exactly_as_it_would_have_been_sent(alice, miso):
    page_by_every_channel(alice, miso)

    sent = {(m.channel, m.to): m.text for m in OutboxMessage.objects.all()}
    assert set(sent) == {
        ("slack", "C0GRIDOPS"),
        ("slack", "U0ALICE"),
        ("sms", "+13125550101"),
        ("voice", "+13125550101"),
    }
    assert sent["sms", "+13125550101"].endswith("Reply 4 to ack.")
    assert sent["voice", "+13125550101"].startswith("MISO LMR dispatch: 12.5 megawatts in LRZ 4.")
    [email] = mail.outbox  # email needs no account: Django's backend (console in `make run`)
    assert email.to == ["alice@example.com"]
    assert email.subject.startswith("MISO LMR dispatch: 12.5 MW in LRZ 4")


def test_the_outbox_page_lists_them_newest_first_for_people_logged_in(client, alice, miso):
    page_by_every_channel(alice, miso)
    services.update_slack_messages(reference="event-1", text="Acknowledged by alice via sms")
    run_queued_tasks()

    assert client.get("/outbox/").status_code == 302, "login required"
    client.force_login(get_user_model().objects.create_user("ops"))
    page = client.get("/outbox/").content.decode()

    assert page.index("Acknowledged by alice via sms") < page.index("Reply 4 to ack.")
    assert "to <strong>+13125550101</strong> (Alice)" in page
    assert "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4" in page
