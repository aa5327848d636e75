"""The reports page in a real browser, on a database with four weeks of made-up history
(tests/history.py, built relative to now): an ops lead sees the four charts drawn, the weeks
per team, and downloads every event of the period as CSV. Screenshot: reports.png."""

import csv
import io
import subprocess

import pytest

from tests.e2e.browser import SCREENSHOTS, logged_in
from tests.e2e.stack import MANAGE, REPO

pytestmark = pytest.mark.e2e

HEADER = [
    "id", "team", "source", "market", "program", "summary", "received", "first page",
    "acknowledged at", "by", "via", "resolved", "respond-by met",
]  # fmt: skip


def shell(stack, code: str) -> str:
    done = subprocess.run(
        [*MANAGE, "shell", "-c", code],
        cwd=REPO,
        env=stack.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def history(stack):
    stack.start("web")
    events = shell(
        stack,
        "from tests.history import make_history; "
        "from django.contrib.auth import get_user_model; "
        "from rosters.models import Person; "
        "lead = get_user_model().objects.create_user('lena', password='pw-lena-1'); "
        "Person.objects.create(handle='lena', name='Lena Ops', user=lead, role='lead'); "
        "print(len(make_history(weeks=4).events))",
    )
    return int(events.splitlines()[-1])  # after the shell's own line about its imports


def test_a_lead_sees_the_charts_of_the_last_weeks_and_downloads_every_event(
    stack, history, chromium
):
    from playwright.sync_api import expect

    page = logged_in(chromium, stack, "lena", viewport={"width": 1280, "height": 1000})
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(f"{stack.base_url}/reports")

    for chart in ("#chart-ack", "#chart-respond-by", "#chart-markets", "#chart-load"):
        expect(page.locator(f"{chart} svg")).to_be_visible()
        assert page.locator(f"{chart} svg rect").count() > 0, chart
    expect(page.locator("#chart-ack figcaption")).to_have_text("Time to acknowledge, by week")
    expect(page.locator("#chart-load")).to_contain_text("alice")
    expect(page.locator("table.team-weeks")).to_contain_text("grid-ops")
    expect(page.locator("table.team-weeks")).to_contain_text("markets")
    expect(page.locator("main")).to_contain_text(f"{history} events")
    assert page.locator("table.report-events tbody tr").count() == history
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "reports.png")  # the charts, above the table

    with page.expect_download() as download:
        page.get_by_role("link", name="Download every event as CSV").click()
    text = download.value.path().read_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER
    assert len(rows) - 1 == history
    assert download.value.suggested_filename.startswith("edrops-events-")

    # One team, and a period that can't be: the page says why.
    page.get_by_label("Team").select_option("markets")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.team-weeks")).not_to_contain_text("grid-ops")
    page.goto(f"{stack.base_url}/reports?from=2026-02-30")
    expect(page.get_by_role("alert")).to_contain_text("Enter a date as YYYY-MM-DD")
