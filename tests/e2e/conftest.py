import pytest

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
