"""The board in a real browser (Debian's Chromium driven by Playwright) against a live server:
while nothing changes its polls are answered 204 and the board stays on the screen as it was;
a dispatch posted over the API appears within a poll or two, and an acknowledgement with the
button shows at once and stays."""

import json
import urllib.request
from urllib.parse import urlsplit

import pytest

from edrops import services
from tests.edrops.conftest import MISO

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "miso-browser-token"


@pytest.fixture
def server(live_server) -> str:
    return live_server.url.replace("localhost", "127.0.0.1")


@pytest.fixture
def desk(alice, team):
    """Alice on grid-ops and its feed, made before the browser starts (Playwright's event loop
    makes the ORM refuse to run)."""
    services.upsert_source(name="miso-dispatch", team=team, token=TOKEN)
    return alice


def post_dispatch(server: str) -> str:
    request = urllib.request.Request(
        server + "/api/v1/events",
        data=json.dumps(MISO).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202
        return json.loads(answer.read())["id"]


def test_an_unchanged_board_costs_a_204_and_a_change_shows_within_a_poll_or_two(
    server, desk, chromium
):
    from playwright.sync_api import expect

    page = chromium.new_context(timezone_id="America/Chicago").new_page()
    polls: list[int] = []

    def on_response(response):
        request = response.request
        polling = request.headers.get("hx-request") and request.method == "GET"
        if polling and urlsplit(request.url).path == "/":
            polls.append(response.status)

    page.on("response", on_response)
    page.goto(server + "/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw-alice-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    page.evaluate("window.notReloaded = true")
    board = page.locator("#board")
    expect(board).to_contain_text("Nothing open.")

    # Nothing changes: the first poll draws the board, the next ones are answered 204, and
    # the board stays as it was (not blanked).
    page.wait_for_timeout(9_000)
    assert polls[0] == 200, polls
    assert len(polls) >= 4, polls
    assert set(polls[1:]) == {204}, polls
    expect(board).to_contain_text("Nothing open.")
    expect(board.locator("#source-miso-dispatch")).to_be_visible()

    # A dispatch arrives: the next poll draws it.
    seen = len(polls)
    event_id = post_dispatch(server)
    row = page.locator(f"#event-{event_id}")
    expect(row).to_be_visible(timeout=5_000)
    expect(row).to_contain_text("curtail 12.5 MW")
    assert 200 in polls[seen:], polls

    # Alice acknowledges it with the button; the board shows it, and keeps showing it.
    row.get_by_role("button", name=f"Acknowledge {MISO['external_id']}").click()
    expect(row).to_contain_text("acknowledged by alice via web", timeout=5_000)
    page.wait_for_timeout(4_500)
    expect(row).to_contain_text("acknowledged by alice via web")
    assert page.evaluate("window.notReloaded")
