"""Maintenance windows in a real browser (Debian's Chromium driven by Playwright) against the
real web process and the demo roster: an ops lead plans tonight's MISO EMS upgrade from the
dashboard's Maintenance page, sees it listed and on the board's banner, a dispatch that arrives
during it is marked and held, and *End now* ends it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import SCREENSHOTS, logged_in
from tests.e2e.test_dashboard import manage

pytestmark = pytest.mark.e2e

CHICAGO = ZoneInfo("America/Chicago")
SETUP = """
from django.contrib.auth.models import User
from rosters.models import Person
lead = User.objects.create_user("lena", password="pw-lena-1")
Person.objects.create(handle="lena", name="Lena Ops", user=lead, role="lead",
                      timezone="America/Chicago")
"""
DISPATCH = {
    "external_id": "MISO-SI-E2E-MAINT",
    "summary": "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4",
    "market": "MISO",
    "program": "LMR",
}


@pytest.fixture
def demo(stack):
    stack.start("web")
    manage(stack, "seed_demo")
    manage(stack, "shell", "-c", SETUP)
    return stack


def local(minutes: int) -> str:
    """`minutes` from now, as a datetime-local input takes it, in Chicago."""
    return (datetime.now(CHICAGO) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def test_a_lead_plans_a_window_from_the_dashboard_sees_it_and_ends_it(demo, chromium):
    from playwright.sync_api import expect

    lead = logged_in(chromium, demo, "lena")
    lead.get_by_role("navigation", name="Main").get_by_role("link", name="Maintenance").click()
    expect(lead.get_by_role("heading", name="Maintenance windows")).to_be_visible()
    expect(lead.locator("table.maintenance")).to_contain_text("No maintenance planned.")

    lead.get_by_label("Name").fill("MISO EMS upgrade")
    lead.get_by_label("Covers").select_option("source:miso-dispatch")
    lead.get_by_label("silent: recorded, nobody paged").check()
    lead.get_by_label("Starts").fill(local(-1))
    lead.get_by_label("Ends").fill(local(90))
    expect(lead.get_by_label("Time zone")).to_have_value("America/Chicago")
    lead.get_by_role("button", name="Plan window").click()

    expect(lead.locator(".messages")).to_contain_text(
        "Planned maintenance window 'MISO EMS upgrade'"
    )
    row = lead.locator("table.maintenance tbody tr", has_text="MISO EMS upgrade")
    expect(row).to_contain_text("source miso-dispatch")
    expect(row).to_contain_text("on now")

    # A dispatch during it: recorded, marked, held; and an upcoming Sunday window beside it.
    answer = demo.post(
        "/api/v1/events",
        json=DISPATCH,
        headers={"Authorization": "Bearer demo-miso-dispatch"},
    )
    assert answer.status_code == 202, answer.text
    lead.get_by_label("Name").fill("Sunday PJM portal patching")
    lead.get_by_label("Covers").select_option("team:grid-ops")
    lead.get_by_label("Slack only: no phone, SMS or email").check()
    lead.get_by_label("Starts").fill(local(60 * 24))
    lead.get_by_label("Ends").fill(local(60 * 24 + 120))
    lead.get_by_label("Repeats").fill("FREQ=WEEKLY")
    lead.get_by_role("button", name="Plan window").click()
    expect(lead.locator("table.maintenance tbody tr")).to_have_count(2)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead.screenshot(path=SCREENSHOTS / "maintenance.png", full_page=True)

    lead.get_by_role("link", name="Events").click()
    banner = lead.locator("#maintenance")
    expect(banner).to_contain_text("ON NOW")
    expect(banner).to_contain_text("MISO EMS upgrade")
    expect(banner).to_contain_text("Sunday PJM portal patching")
    held = lead.locator("li.event", has_text="curtail 12.5 MW")
    expect(held.locator(".badge.maintenance")).to_have_text("maintenance")
    expect(held).to_contain_text("held by maintenance: nobody paged unless escalated")
    lead.screenshot(path=SCREENSHOTS / "maintenance-board.png", full_page=True)

    lead.get_by_role("navigation", name="Main").get_by_role("link", name="Maintenance").click()
    lead.get_by_role("button", name="End MISO EMS upgrade now").click()
    expect(lead.locator(".messages")).to_contain_text("Ended maintenance window 'MISO EMS upgrade'")
    expect(lead.locator("table.maintenance tbody tr")).to_have_count(1)
    expect(lead.locator("table.maintenance")).not_to_contain_text("MISO EMS upgrade")

    listed = demo.get(
        "/api/v1/maintenance", headers={"Authorization": f"Token {_token(demo, 'lena')}"}
    ).json()
    assert [w["name"] for w in listed["results"]] == ["Sunday PJM portal patching"]


def _token(stack, username: str) -> str:
    import subprocess

    from tests.e2e.stack import MANAGE, REPO

    out = subprocess.run(
        [*MANAGE, "drf_create_token", username],
        cwd=REPO,
        env=stack.env(),
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return out.split()[2]
