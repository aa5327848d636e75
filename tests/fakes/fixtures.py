"""pytest fixtures around the fakes: edrops (the live_server) configured to use them."""

import pytest

from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.receiver import FakeReceiver
from tests.fakes.slack import FakeSlack
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def twilio(live_server, settings):
    fake = FakeTwilio(public_base_url=live_server.url)
    settings.PUBLIC_BASE_URL = live_server.url
    settings.TWILIO_ACCOUNT_SID = fake.account_sid
    settings.TWILIO_AUTH_TOKEN = fake.auth_token
    settings.TWILIO_FROM_NUMBER = fake.number
    settings.TWILIO_API_URL = fake.url
    yield fake
    fake.close()


@pytest.fixture
def slack(live_server, settings):
    fake = FakeSlack(public_base_url=live_server.url)
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SLACK_BOT_TOKEN = fake.token
    settings.SLACK_SIGNING_SECRET = fake.signing_secret
    settings.SLACK_API_URL = fake.api_url
    yield fake
    fake.close()


@pytest.fixture
def pagerduty(settings):
    """A fake PagerDuty for edrops in process: its Events API is where the client sends, and
    its webhooks are signed with edrops' PAGERDUTY_WEBHOOK_SECRET (`fake.webhook(...)` gives
    the body and headers; post them with the test client)."""
    fake = FakePagerDuty()
    settings.PAGERDUTY_EVENTS_URL = fake.url
    settings.PAGERDUTY_WEBHOOK_SECRET = fake.webhook_secret
    yield fake
    fake.close()


@pytest.fixture
def receiver(settings):
    """A webhook receiver named `derms` in WEBHOOKS."""
    fake = FakeReceiver()
    settings.WEBHOOKS = {"derms": {"url": fake.hook_url, "secret": fake.secret}}
    yield fake
    fake.close()
