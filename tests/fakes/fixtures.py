"""pytest fixtures around the fakes: edrops (the live_server) configured to use them."""

import pytest

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
