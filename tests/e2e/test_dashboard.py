"""The dashboard in a real browser (Debian's Chromium driven by Playwright) against the real
web, worker and clock processes: a dispatch posted over the API appears without a reload, one
responder acknowledges it with the button, and a second responder's open dashboard shows who
acknowledged within 5 seconds. Screenshots land in bench/out/screenshots/ (a test artifact, not
committed); `SCREENSHOTS_DIR=docs/screenshots` refreshes the ones the README shows."""

import subprocess

import pytest
import yaml

from tests.e2e.browser import SCREENSHOTS, logged_in
from tests.e2e.stack import MANAGE, REPO, first_shift_now, wait_for

pytestmark = pytest.mark.e2e

TOKEN = "miso-e2e-token"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago",
         "email": "alice@example.com"},
        {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/New_York",
         "email": "bob@example.com"},
        # The desk's lead acknowledges from the dashboard; "night" (a login with no person)
        # watches it.
        {"handle": "lead", "name": "Lee Adams", "timezone": "America/Chicago",
         "email": "lead@example.com", "login": "lead", "role": "lead"},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "members": ["alice", "bob"],
         # Alice's week has just begun, whatever the date.
         "rotations": [{"name": "primary", "start": first_shift_now("America/Chicago"),
                        "shift": "1w", "timezone": "America/Chicago",
                        "people": ["alice", "bob"]}],
         "escalation": {"steps": [{"notify": ["rotation:primary"], "wait": "5m"},
                                  {"notify": ["team"]}]}},
    ],
}  # fmt: skip

DISPATCH = {
    "external_id": "MISO-SI-E2E-DASH",
    "status": "scheduled",
    "summary": "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4",
    "market": "MISO",
    "program": "LMR",
    "mw": 12.5,
    "location": "LRZ 4",
}


def manage(stack, *args: str) -> None:
    subprocess.run([*MANAGE, *args], cwd=REPO, env=stack.env(), capture_output=True, check=True)


def responder(stack, username: str) -> None:
    """A login without staff rights, as responders have, with a password to type."""
    manage(
        stack,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"u, _ = get_user_model().objects.get_or_create(username='{username}'); "
        f"u.set_password('pw-{username}-1'); u.save()",
    )


@pytest.fixture
def running(stack, tmp_path):
    stack.start("web")
    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump(ROSTER))
    manage(stack, "load_roster", str(roster))
    manage(stack, "create_source", "miso-dispatch", "--team", "grid-ops", "--token", TOKEN)
    responder(stack, "lead")
    responder(stack, "night")
    stack.start("worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=20, what="ready")
    return stack


def test_a_dispatch_appears_is_acknowledged_and_the_other_screen_sees_it(running, chromium):
    from playwright.sync_api import expect

    stack = running
    lead = logged_in(chromium, stack, "lead")
    night = logged_in(chromium, stack, "night", viewport={"width": 390, "height": 844})

    response = stack.post(
        "/api/v1/events", json=DISPATCH, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 202, response.text
    event_id = response.json()["id"]

    row = lead.locator(f"#event-{event_id}")
    expect(row).to_be_visible(timeout=5_000)
    expect(row).to_contain_text("curtail 12.5 MW")
    expect(row).to_contain_text("Triggered")
    expect(row.locator("[data-respond-by]")).to_contain_text("respond within")
    # The first step runs and the board says whom it is paging.
    expect(row).to_contain_text("step 1 of 2: paging alice", timeout=5_000)
    # The browser's zone (the viewer has no Person) reaches the server with the next poll.
    expect(lead.locator("#viewer-zone")).to_have_text("America/Chicago", timeout=5_000)
    other = night.locator(f"#event-{event_id}")
    expect(other).to_be_visible(timeout=5_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)

    row.get_by_role("button", name=f"Acknowledge {DISPATCH['external_id']}").click()

    expect(row).to_contain_text("Acknowledged", timeout=5_000)
    expect(row).to_contain_text("acknowledged by lead via web")
    expect(other).to_contain_text("acknowledged by lead via web", timeout=5_000)
    assert lead.evaluate("window.notReloaded")
    assert night.evaluate("window.notReloaded")
    night.screenshot(path=SCREENSHOTS / "dashboard-phone.png", full_page=True)

    lead.goto(f"{stack.base_url}/events/{event_id}")
    timeline = lead.locator("table.timeline")
    expect(timeline).to_contain_text("received")
    expect(timeline).to_contain_text("acknowledged by lead via web")
    expect(lead.locator("dl.facts")).to_contain_text("stopped at step 1 of 2: last paged alice")
    expect(lead.locator("#viewer-zone")).to_have_text("America/Chicago")
    lead.screenshot(path=SCREENSHOTS / "event.png", full_page=True)

    # Resolving asks first: cancelled, nothing happens; confirmed, the page says who resolved it.
    resolve = lead.get_by_role("button", name="Resolve")
    lead.once("dialog", lambda dialog: dialog.dismiss())
    resolve.click()
    lead.wait_for_timeout(500)
    expect(lead.locator("dl.facts")).not_to_contain_text("Resolved")
    lead.once("dialog", lambda dialog: dialog.accept())
    resolve.click()
    expect(lead.locator("dl.facts")).to_contain_text("Resolved by lead via web", timeout=5_000)

    lead.goto(f"{stack.base_url}/oncall")
    expect(lead.locator("table.oncall")).to_contain_text("Alice Ng")
    expect(lead.locator("main")).to_contain_text("Your times are in America/Chicago")
    lead.screenshot(path=SCREENSHOTS / "oncall.png", full_page=True)
