from tests.e2e.conftest import e2e_databases, phones, stack  # noqa: F401 -- fixtures
