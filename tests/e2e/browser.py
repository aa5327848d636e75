"""Debian's Chromium driven by Playwright (never `playwright install`): how the browser tests
start it and log in. Screenshots land in bench/out/screenshots/ (a test artifact, not
committed); `SCREENSHOTS_DIR=docs/screenshots` refreshes the ones the README shows."""

import os

from tests.e2e.stack import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / os.environ.get("SCREENSHOTS_DIR", "bench/out/screenshots")


def logged_in(browser, stack, username: str, **context):
    page = browser.new_context(timezone_id="America/Chicago", **context).new_page()
    page.goto(stack.base_url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(stack.base_url + "/")
    # Survives only as long as the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    return page
