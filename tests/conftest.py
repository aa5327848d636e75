import os
from pathlib import Path

import pytest

from edrops.selectors.sources import forget_sources
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(autouse=True)
def _no_source_cached_across_tests():
    # Ids repeat across tests (rolled-back transactions), so a source cached in one test could
    # answer for another's token.
    forget_sources()


@pytest.fixture
def chromium():
    """Debian's Chromium, driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        # `make test` on a laptop without Chromium says so and goes on; CI installs it and
        # sets EDROPS_REQUIRE_BROWSER, so there a missing browser is a failure, never a skip.
        missing = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("EDROPS_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
