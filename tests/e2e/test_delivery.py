"""Delivery with the real web, worker and clock processes: through the fakes of Slack and
Twilio with credentials, to the outbox without."""

import re
import subprocess

import pytest
import requests

from tests.e2e.stack import MANAGE, REPO, wait_for

pytestmark = pytest.mark.e2e

ALICE = "+13125550101"

# What the engine will do: pages for one event by SMS now, a call and Slack a little later.
SCHEDULE = """
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.utils import timezone
from notifications.content import PageContent
from notifications.services import schedule_page
from rosters.models import Person

alice = Person.objects.create(handle="alice", name="Alice Ng", phone="+13125550101",
                              slack_user_id="U0ALICE", timezone="America/Chicago")
get_user_model().objects.create_user("ops", password="ops-password-1", is_staff=True)
now = timezone.now()
content = PageContent(summary="MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4",
                      market="MISO", program="LMR", mw=Decimal("12.5"), location="LRZ 4",
                      starts_at=now + timedelta(hours=1, minutes=45), ack_code="4", team="grid-ops")
for channel, after in [("sms", 0), ("voice", 2), ("slack", 2)]:
    schedule_page(person=alice, channel=channel, content=content, reference="event-1",
                  due_at=now + timedelta(seconds=after), team_slack_channel="C0GRIDOPS")
"""


def schedule(stack) -> None:
    subprocess.run(
        [*MANAGE, "shell", "-c", SCHEDULE], cwd=REPO, env=stack.env(), check=True, timeout=60
    )


def test_pages_reach_alice_through_twilio_and_slack_and_her_replies_come_back(stack, phones):
    twilio, slack = phones
    stack.env_extra["NOTIFICATIONS_REPLY_TASK"] = (
        "tests.notifications.engine_stand_in.reply_received"
    )
    stack.env_extra["NOTIFICATIONS_MAY_ANSWER"] = "tests.notifications.engine_stand_in.may_answer"
    stack.start("web", "worker", "clock")
    schedule(stack)

    sms = twilio.expect_sms(to=ALICE, containing="Reply 4 to ack.", timeout=20)
    assert twilio.deliver_sms(sms, "delivered").status_code == 204

    call = twilio.expect_call(to=ALICE, timeout=20)  # queued by the clock when due
    assert "acknowledgement is recorded" in twilio.press_key(call, "1")
    assert twilio.complete_call(call, "completed").status_code == 204

    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW", timeout=20)
    direct = slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW", timeout=20)
    assert slack.click_acknowledge(direct, user_id="U0ALICE").status_code == 200

    assert twilio.reply_sms(from_=ALICE, body="4").status_code == 200
    # The reply went up to the (stand-in) engine task in the worker, which answered by SMS.
    twilio.expect_sms(to=ALICE, containing="4: acknowledged by alice via sms", timeout=20)

    assert twilio.reply_sms(from_=ALICE, body="4", auth_token="forged").status_code == 403
    twilio.expect_nothing_more()
    slack.expect_nothing_more()


def test_without_credentials_every_page_is_shown_at_outbox(stack):
    stack.start("web", "worker", "clock")
    schedule(stack)

    session = requests.Session()
    login = stack.base_url + "/admin/login/?next=/outbox/"
    session.get(login, timeout=10)
    session.post(
        login,
        data={
            "username": "ops",
            "password": "ops-password-1",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": login},
        timeout=10,
    )

    def outbox() -> str:
        page = session.get(stack.base_url + "/outbox/", timeout=10)
        assert page.url.endswith("/outbox/"), "logged in, not sent to the login page"
        return page.text if len(re.findall("<li>", page.text)) == 4 else ""

    page = wait_for(outbox, timeout=20, what="four messages in the outbox", stack=stack)
    assert "MISO LMR dispatch: 12.5 MW in LRZ 4 at " in page
    assert "Reply 4 to ack." in page
    assert "to <strong>C0GRIDOPS</strong>" in page
    assert "to <strong>U0ALICE</strong>" in page
