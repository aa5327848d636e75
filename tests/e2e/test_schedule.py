"""The schedule page in a real browser (Debian's Chromium) against the real web, worker and
clock: a roster with two rotations, an override and a deliberate gap is drawn as lanes, the
override hatched and the gap in red; the clock has posted the gap to the team's Slack channel
and shows it as a banner; alice takes one of bob's shifts and the team's lead hears of it.
Screenshots: docs/screenshots/schedule.png and schedule-phone.png (SCREENSHOTS_DIR)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.e2e.browser import SCREENSHOTS, logged_in
from tests.e2e.stack import wait_for
from tests.e2e.test_dashboard import manage, responder

pytestmark = pytest.mark.e2e

CHICAGO = ZoneInfo("America/Chicago")


def roster() -> dict:
    """primary (alice, bob, daily at 09:00) starts the day after tomorrow; until tomorrow 09:00
    carol covers on secondary by an override; between the two, nobody: the gap. Dan takes one
    of primary's days by another override."""
    now = datetime.now(CHICAGO)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)

    def wall(at: datetime) -> str:
        return at.strftime("%Y-%m-%dT%H:%M")

    names = {"alice": "Alice Ng", "bob": "Bob Okafor", "carol": "Carol Diaz", "dan": "Dan Whit"}
    people = [
        {"handle": h, "name": n, "timezone": "America/Chicago", "phone": f"+1312555010{i}",
         "email": f"{h}@example.com"}
        for i, (h, n) in enumerate(names.items(), start=1)
    ]  # fmt: skip
    people[0]["login"] = "alice"
    people.append({"handle": "lee", "name": "Lee Adams", "timezone": "America/Chicago",
                   "email": "lee@example.com", "slack_user_id": "U0LEE", "role": "lead",
                   "login": "lee"})  # fmt: skip
    return {
        "people": people,
        "teams": [
            {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
             "slack_channel": "C0GRIDOPS", "members": ["alice", "bob", "carol", "dan", "lee"],
             "rotations": [
                 {"name": "primary", "start": wall(nine + timedelta(days=2)), "shift": "1d",
                  "timezone": "America/Chicago", "people": ["alice", "bob"]},
                 {"name": "secondary", "start": wall(nine - timedelta(days=1)), "shift": "1w",
                  "timezone": "America/Chicago", "people": []},
             ],
             "overrides": [
                 {"rotation": "secondary", "person": "carol",
                  "start": wall(now - timedelta(hours=1)), "end": wall(nine + timedelta(days=1))},
                 {"rotation": "primary", "person": "dan",
                  "start": wall(nine + timedelta(days=4)), "end": wall(nine + timedelta(days=5))},
             ],
             "escalation": {"steps": [{"notify": ["rotation:primary"], "wait": "5m"},
                                      {"notify": ["rotation:secondary"]}]}},
        ],
    }  # fmt: skip


@pytest.fixture
def running(stack, phones, tmp_path):
    stack.start("web")
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(roster()))
    manage(stack, "load_roster", str(path))
    responder(stack, "alice")
    responder(stack, "lee")
    stack.start("worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=20, what="ready")
    return stack, phones


def test_the_schedule_shows_lanes_the_override_and_the_gap_and_a_taken_shift_tells_the_lead(
    running, chromium
):
    from playwright.sync_api import expect

    stack, (_, slack) = running
    # The clock's first check finds the gap and posts it once.
    post = slack.expect_message(to="C0GRIDOPS", containing="Coverage gap in grid-ops")
    assert "nobody on call" in post.text

    alice = logged_in(chromium, stack, "alice", viewport={"width": 1280, "height": 900})
    alice.goto(f"{stack.base_url}/schedule?team=grid-ops&weeks=1")
    svg = alice.locator("svg.timeline")
    for lane in ("primary", "secondary", "who is paged"):
        expect(svg.locator(f'g.lane[data-lane="{lane}"]')).to_be_visible()
    expect(svg.locator('g.lane[data-lane="secondary"] rect.override')).to_have_count(1)
    expect(svg.locator('g.lane[data-lane="primary"] rect.override')).to_have_count(1)
    expect(svg.locator("rect.gap").first).to_be_visible()
    expect(svg.locator("text.now")).to_be_visible()
    expect(svg.locator("text.handoff").first).to_contain_text(":")
    expect(alice.locator(".banner.gap")).to_contain_text("Coverage gap in grid-ops")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    alice.screenshot(path=SCREENSHOTS / "schedule.png", full_page=True)

    # Alice takes bob's first shift from the list under the timeline.
    bobs = alice.locator("ol.shift-list li", has_text="bob").first
    bobs.get_by_role("button", name="Take this shift").click()
    expect(alice.locator("ul.messages")).to_contain_text("its leads were told")
    told = slack.expect_message(to="U0LEE", containing="alice took the shift on grid-ops/primary")
    assert "alice" in told.text

    phone = logged_in(chromium, stack, "alice", viewport={"width": 390, "height": 844})
    phone.goto(f"{stack.base_url}/schedule?team=grid-ops&weeks=1")
    expect(phone.locator(".banner.gap")).to_be_visible()
    expect(phone.get_by_role("button", name="Ask for a swap").first).to_be_visible()
    phone.screenshot(path=SCREENSHOTS / "schedule-phone.png", full_page=True)
