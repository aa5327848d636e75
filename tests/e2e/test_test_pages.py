"""The ops room's drills, with the real web, worker and clock processes and Slack and Twilio
faked: a test dispatch pages by the team's test policy only (Slack and the outbox without
one), and Alice presses "Send me a test page" on /profile in a real browser (Debian's
Chromium) and watches each of her contact methods answer."""

import copy
import time

import pytest
import yaml

from tests.e2e.browser import SCREENSHOTS, logged_in
from tests.e2e.stack import wait_for
from tests.e2e.test_escalation import ALICE, DAN, DISPATCH, ROSTER, TOKEN, manage, post_dispatch

pytestmark = pytest.mark.e2e

DRILL = {**DISPATCH, "external_id": "MISO-MONTHLY-TEST", "test": True}


def start(stack, tmp_path, roster: dict) -> None:
    stack.start("web")
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(roster))
    manage(stack, "load_roster", str(path))
    manage(stack, "create_source", "miso-dispatch", "--team", "grid-ops", "--token", TOKEN)
    stack.start("worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=20, what="ready")


def outbox_copies(stack) -> list[str]:
    """The outbox's record of test dispatches (what /outbox/ lists), as the database has it."""
    said = manage(
        stack,
        "shell",
        "-c",
        "from notifications.models import OutboxMessage\n"
        "for m in OutboxMessage.objects.filter(to='grid-ops (test dispatch)'):\n"
        "    print('kept:', m.text)",
    )
    return [line.removeprefix("kept: ") for line in said.splitlines() if line.startswith("kept: ")]


def test_a_test_dispatch_without_a_test_policy_reaches_slack_and_the_outbox_only(
    stack, phones, tmp_path, chromium
):
    from playwright.sync_api import expect

    twilio, slack = phones
    start(stack, tmp_path, ROSTER)
    post_dispatch(stack, DRILL)
    slack.expect_message(to="C0GRIDOPS", containing="TEST", timeout=5)
    wait_for(lambda: outbox_copies(stack), timeout=5, what="the outbox copy")
    assert outbox_copies(stack)[0].startswith("TEST MISO LMR dispatch")
    time.sleep(8)  # past every wait of the live policy (3 s steps): nobody is paged after all
    twilio.expect_nothing_more()
    slack.expect_nothing_more()

    # The board shows it apart from a live dispatch that came after it, which pages as ever.
    post_dispatch(stack)
    twilio.expect_sms(to=ALICE, containing="Reply", timeout=5)
    manage(
        stack,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; u = User.objects.get(username='lead'); "
        "u.set_password('pw-lead-1'); u.save()",
    )
    lead = logged_in(chromium, stack, "lead")
    events = lead.locator("ol.events").first
    expect(events.locator("li").first).to_contain_text("curtail 12.5 MW")
    expect(events.locator("li").first).not_to_contain_text("TEST")
    drills = events.locator("li.group.test ~ li.event")
    expect(lead.locator("#test-dispatches")).to_contain_text("Test dispatches")
    expect(drills).to_have_count(1)
    expect(drills).to_contain_text("TEST")
    expect(drills).to_contain_text("test: posted to Slack and the outbox only")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead.screenshot(path=SCREENSHOTS / "test-dispatches.png", full_page=True)


def test_a_test_dispatch_follows_the_teams_test_escalation(stack, phones, tmp_path):
    twilio, slack = phones
    roster = copy.deepcopy(ROSTER)
    roster["teams"][0]["test_escalation"] = {"steps": [{"notify": ["person:dan"], "wait": "1m"}]}
    start(stack, tmp_path, roster)
    post_dispatch(stack, DRILL)
    assert twilio.expect_sms(to=DAN, timeout=5).body.startswith("TEST MISO LMR dispatch")
    time.sleep(5)  # past the live policy's first two steps
    twilio.expect_nothing_more()  # not Alice (the live policy's first), not Bob
    # Its one step ran unanswered: the team's channel is told, as with any policy.
    slack.expect_message(to="C0GRIDOPS", containing="Nobody acknowledged TEST MISO LMR")
    slack.expect_nothing_more()
    assert not outbox_copies(stack)


def test_alice_sends_herself_a_test_page_from_her_profile(stack, phones, tmp_path, chromium):
    from playwright.sync_api import expect

    twilio, slack = phones
    roster = copy.deepcopy(ROSTER)
    roster["people"][0]["login"] = "alice"
    start(stack, tmp_path, roster)
    manage(
        stack,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; u = User.objects.get(username='alice'); "
        "u.set_password('pw-alice-1'); u.save()",
    )

    alice = logged_in(chromium, stack, "alice")
    alice.get_by_role("link", name="Profile").click()
    expect(alice.locator("#test-page")).to_contain_text("No test page yet.")
    alice.get_by_role("button", name="Send me a test page").click()
    expect(alice.locator(".messages")).to_contain_text("Test page sent")

    sms = twilio.expect_sms(to=ALICE, containing="This is a test page from edrops", timeout=5)
    slack.expect_message(to="U0ALICE", containing="This is a test page from edrops", timeout=5)
    twilio.deliver_sms(sms)
    # The page polls its results while the providers may still answer.
    row = alice.locator("table.test-results tr", has_text="SMS")
    expect(row).to_contain_text("delivered", timeout=15_000)
    expect(alice.locator("table.test-results tr", has_text="Slack")).to_contain_text("sent")
    call = twilio.expect_call(to=ALICE, timeout=5)  # her phone rings too: the voice test
    twilio.complete_call(call, status="no-answer")
    expect(alice.locator("table.test-results tr", has_text="Voice")).to_contain_text(
        "failed: not reached: no-answer", timeout=15_000
    )
    expect(alice.locator("#test-page")).not_to_contain_text("waiting for the providers")
    expect(alice.get_by_role("alert")).to_contain_text("1 of your contact methods failed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    alice.locator("#test-page").screenshot(path=SCREENSHOTS / "test-page.png")
    twilio.expect_nothing_more()  # nobody else, and no next contact rule
    slack.expect_nothing_more()
