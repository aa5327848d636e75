import pytest

from edrops.selectors.sources import forget_sources


@pytest.fixture(autouse=True)
def _no_source_cached_across_tests():
    # Ids repeat across tests (rolled-back transactions), so a source cached in one test could
    # answer for another's token.
    forget_sources()
