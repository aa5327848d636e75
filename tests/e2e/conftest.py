import pytest

from tests.e2e.stack import Databases, Stack


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
