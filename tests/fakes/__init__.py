"""Local fakes of the Slack Web API, the Twilio REST API and PagerDuty's Events API v2 that the
real SDKs talk to, and a webhook receiver that checks edrops' signatures.

Plain classes, no pytest-django: the end-to-end tests point real processes at them with
SLACK_API_URL / TWILIO_API_URL. They record what they were sent, fail on demand, and act like a
phone: reply to an SMS, press a key, click a Slack button, with correctly signed callbacks.
"""

from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.receiver import FakeReceiver
from tests.fakes.slack import FakeSlack
from tests.fakes.twilio import FakeTwilio

__all__ = ["FakePagerDuty", "FakeReceiver", "FakeSlack", "FakeTwilio", "provider_env"]


def provider_env(twilio: FakeTwilio, slack: FakeSlack) -> dict[str, str]:
    """The environment that points edrops' real SDKs at these fakes."""
    return {
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": twilio.number,
        "TWILIO_API_URL": twilio.url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
    }
