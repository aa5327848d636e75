import os
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.stack import Databases, Stack
from tests.fakes import FakeSlack, FakeTwilio, provider_env


@pytest.fixture(scope="session")
def e2e_databases(tmp_path_factory):
    databases = Databases(tmp_path_factory.mktemp("e2e-db"))
    yield databases
    databases.drop_all()


@pytest.fixture
def stack(e2e_databases, tmp_path):
    """A stopped edrops on a fresh database; the test starts what it needs."""
    running = Stack(database_url=e2e_databases.fresh(), logdir=tmp_path)
    yield running
    running.stop_all()


@pytest.fixture
def phones(stack):
    """Fake Twilio and Slack, and the stack's environment pointing the real SDKs at them."""
    twilio = FakeTwilio(public_base_url=stack.base_url)
    slack = FakeSlack(public_base_url=stack.base_url)
    stack.env_extra.update(provider_env(twilio, slack))
    yield twilio, slack
    twilio.close()
    slack.close()


@pytest.fixture
def chromium():
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
