import environ
import pytest

from tests.e2e.stack import base_database_url

# Chaos and storms run on PostgreSQL (CI's DATABASE_URL): they cut a PostgreSQL connection, or
# want its concurrency.
on_postgresql = pytest.mark.skipif(
    "postgresql" not in environ.Env.db_url_config(base_database_url())["ENGINE"],
    reason="a chaos test: PostgreSQL only (CI runs it with DATABASE_URL)",
)
