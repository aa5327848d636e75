"""The profile page and the audit log in a real browser (Debian's Chromium driven by
Playwright) against the real web process and the demo roster: Alice changes her number and
her call's delay, a mistake is refused with its reason, and a lead finds both changes, with
who made them, on /audit and in its CSV."""

import pytest

from tests.e2e.browser import SCREENSHOTS, logged_in
from tests.e2e.test_dashboard import manage

pytestmark = pytest.mark.e2e

SETUP = """
from django.contrib.auth.models import User
from rosters.models import Person
alice = Person.objects.get(handle="alice")
alice.user = User.objects.create_user("alice", password="pw-alice-1")
alice.save()
lead = User.objects.create_user("lena", password="pw-lena-1")
Person.objects.create(handle="lena", name="Lena Ops", user=lead, role="lead")
"""


@pytest.fixture
def demo(stack):
    stack.start("web")
    manage(stack, "seed_demo")
    manage(stack, "shell", "-c", SETUP)
    return stack


def test_a_responder_edits_their_profile_and_a_lead_reads_who_changed_it(demo, chromium):
    from playwright.sync_api import expect

    alice = logged_in(chromium, demo, "alice")
    alice.get_by_role("link", name="Profile").click()
    expect(alice.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(alice.locator("main")).to_contain_text("Alice Ng (alice)")
    expect(alice.get_by_role("link", name="Audit log")).to_have_count(0)

    # A zone that doesn't exist: refused, with the reason, and nothing saved.
    alice.get_by_label("Time zone").fill("America/Chicag")
    alice.get_by_label("Phone").fill("+1 312 555 0199")
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(alice.locator("main")).to_contain_text("America/Chicag is not an IANA time zone")

    alice.get_by_label("Time zone").fill("America/Chicago")
    alice.get_by_label("Delay of rule 3").fill("2m")
    alice.get_by_role("button", name="Save").click()
    expect(alice.locator(".messages")).to_contain_text("Saved.")
    expect(alice.get_by_label("Phone")).to_have_value("+13125550199")
    expect(alice.locator("#plan")).to_contain_text("Voice call after 2m")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    alice.screenshot(path=SCREENSHOTS / "profile.png", full_page=True)

    lead = logged_in(chromium, demo, "lena")
    lead.get_by_role("link", name="Audit log").click()
    lead.get_by_label("Actor").fill("alice")
    lead.get_by_role("button", name="Filter").click()
    table = lead.locator("table.audit")
    expect(table).to_contain_text("+13125550101")
    expect(table).to_contain_text("+13125550199")
    expect(table.locator("tr", has_text="delay")).to_contain_text("1m")
    expect(table.locator("tr", has_text="delay")).to_contain_text("2m")
    expect(lead.locator("main")).to_contain_text("2 changes")  # the refused save wrote nothing
    lead.screenshot(path=SCREENSHOTS / "audit.png", full_page=True)

    exported = lead.request.get(demo.base_url + "/audit.csv?actor=alice")
    assert exported.status == 200
    lines = exported.text().splitlines()
    assert lines[0] == "when,actor,action,object type,object,field,before,after"
    assert any(",alice,changed,person,alice,phone,+13125550101,+13125550199" in x for x in lines)
