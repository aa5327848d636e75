import signal

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


@pytest.fixture(autouse=True)
def wall_clock_cap(request):
    """`@pytest.mark.wall_clock(seconds)`: fail a slow end-to-end test that hangs past its cap
    (a VTN or a process that never answers) instead of holding the whole run."""
    marker = request.node.get_closest_marker("wall_clock")
    if marker is None:
        yield
        return
    seconds = marker.args[0]

    def over(signum, frame):
        pytest.fail(f"over its wall-clock cap of {seconds} s", pytrace=True)

    previous = signal.signal(signal.SIGALRM, over)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
