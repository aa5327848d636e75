"""Each web process looks a source's token up once every few seconds (selectors/sources.py)."""

import time

import pytest

from edrops import selectors, services
from edrops.models import Source
from edrops.models.sources import hash_token
from edrops.selectors.sources import SOURCE_CACHE_SECONDS
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db

MISO = example("miso-lmr-dispatch.json")


def post(sender, n: int) -> int:
    return sender.post("/api/v1/events", {**MISO, "external_id": f"SI-{n}"}, format="json")


def test_a_busy_integration_is_authenticated_without_a_query(
    sender, source, django_assert_num_queries
):
    assert post(sender, 1).status_code == 202

    with django_assert_num_queries(0):
        assert selectors.source_for_token(token="miso-secret-token") == source


def test_a_token_replaced_here_stops_working_at_once(sender, team):
    assert post(sender, 1).status_code == 202

    services.upsert_source(name="miso-dispatch", team=team, token="the-new-token")

    assert post(sender, 2).status_code == 401


def test_a_token_replaced_by_another_process_stops_working_within_seconds(
    sender, source, monkeypatch
):
    assert post(sender, 1).status_code == 202
    # Another process replaces the token: nothing here hears of it.
    Source.objects.filter(pk=source.pk).update(token_hash=hash_token("the-new-token"))
    assert post(sender, 2).status_code == 202

    later = time.monotonic() + SOURCE_CACHE_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)

    assert post(sender, 3).status_code == 401
