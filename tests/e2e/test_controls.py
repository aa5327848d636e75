"""Paging by hand and escalating, in a real browser (Debian's Chromium driven by Playwright)
against the real web, worker and clock processes and the fake Twilio and Slack: the desk's lead
pages grid ops from "Page a team" about a dispatch MISO phoned in, Alice's phone gets it, the
lead presses *Escalate now* on the event page and Bob's and Dan's phones get it at once, not
ten minutes later; then acknowledges and snoozes it. Screenshots: page-form.png,
event-actions.png (`SCREENSHOTS_DIR=docs/screenshots` refreshes the committed ones)."""

import pytest
import yaml

from tests.e2e.browser import SCREENSHOTS, logged_in
from tests.e2e.stack import first_shift_now, wait_for
from tests.e2e.test_dashboard import manage, responder

pytestmark = pytest.mark.e2e

ALICE, BOB, DAN = "+13125550101", "+13125550102", "+13125550104"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "slack_user_id": "U0ALICE",
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "slack", "after": "0s"}]},
        {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/Chicago", "phone": BOB,
         "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "lead", "name": "Lee Adams", "timezone": "America/Chicago",
         "email": "lead@example.com", "login": "lead", "role": "lead"},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "slack_channel": "C0GRIDOPS", "members": ["alice", "bob", "dan", "lead"],
         "rotations": [
             {"name": "primary", "start": first_shift_now("America/Chicago"), "shift": "1w",
              "timezone": "America/Chicago", "people": ["alice"]},
             {"name": "secondary", "start": first_shift_now("America/Chicago"), "shift": "1w",
              "timezone": "America/Chicago", "people": ["bob"]},
         ],
         # Ten minutes between steps: only "Escalate now" can page Bob within the test.
         "escalation": {"steps": [
             {"notify": ["rotation:primary"], "wait": "10m"},
             {"notify": ["rotation:secondary", "person:dan"], "wait": "10m"},
             {"notify": ["team"]},
         ]}},
        {"slug": "market-ops", "name": "Market Operations", "members": ["lead"]},
    ],
}  # fmt: skip


@pytest.fixture
def running(stack, phones, tmp_path):
    stack.start("web")
    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump(ROSTER))
    manage(stack, "load_roster", str(roster))
    responder(stack, "lead")  # a password to type
    stack.start("worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=20, what="ready")
    return phones


def test_the_lead_pages_grid_ops_by_hand_and_escalates_it_from_the_event_page(
    running, stack, chromium
):
    from playwright.sync_api import expect

    twilio, slack = running
    lead = logged_in(chromium, stack, "lead")

    lead.get_by_role("link", name="Page", exact=True).click()
    expect(lead.get_by_role("heading", name="Page a team")).to_be_visible()
    lead.get_by_label("Team").select_option("grid-ops")
    lead.get_by_label("Summary").fill("MISO called: curtail 12.5 MW in LRZ 4 from 14:00")
    lead.get_by_label("Market").fill("MISO")
    lead.get_by_label("Program").fill("LMR")
    lead.get_by_label("MW").fill("12.5")
    lead.get_by_label("Location").fill("LRZ 4")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead.screenshot(path=SCREENSHOTS / "page-form.png", full_page=True)
    lead.get_by_role("button", name="Page this team").click()

    lead.wait_for_url(f"{stack.base_url}/events/*")
    expect(lead.locator("ul.messages")).to_contain_text("Paged team grid-ops")
    facts = lead.locator("dl.facts")
    expect(facts).to_contain_text("lead, by hand")
    twilio.expect_sms(to=ALICE, containing="curtail 12.5 MW", timeout=5)
    slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW", timeout=5)
    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW", timeout=5)

    lead.get_by_role("button", name="Escalate now").click()

    twilio.expect_sms(to=BOB, containing="curtail 12.5 MW", timeout=5)
    twilio.expect_sms(to=DAN, containing="curtail 12.5 MW", timeout=5)
    timeline = lead.locator("table.timeline")
    expect(timeline).to_contain_text("escalated now by lead via web: step 2 of 3 pages now")

    lead.get_by_role("button", name="Acknowledge").click()
    expect(facts).to_contain_text("by lead via web", timeout=5_000)
    for phone in (ALICE, BOB, DAN):
        twilio.expect_sms(to=phone, containing="acknowledged by lead via web", timeout=5)
    lead.get_by_label("Snooze for").select_option("30")
    lead.get_by_role("button", name="Snooze").click()
    expect(facts).to_contain_text("triggered again at")
    expect(timeline).to_contain_text("snoozed by lead via web for 30 min")
    lead.get_by_label("Add a note to the timeline").fill("MISO confirmed by phone at 13:05")
    lead.get_by_role("button", name="Add note").click()
    expect(timeline).to_contain_text("lead: MISO confirmed by phone at 13:05")
    slack.expect_message(to="C0GRIDOPS", containing="MISO confirmed by phone", timeout=5)
    lead.screenshot(path=SCREENSHOTS / "event-actions.png", full_page=True)

    twilio.expect_nothing_more()
