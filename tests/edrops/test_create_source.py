"""manage.py create_source (API.md §1)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from edrops.models import Source
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db


def create_source(*args: str) -> str:
    out = StringIO()
    call_command("create_source", *args, stdout=out)
    return out.getvalue().splitlines()[-1]


def test_the_printed_token_sends_events_and_is_stored_only_hashed(team, client):
    token = create_source(
        "miso-dispatch",
        "--team",
        "grid-ops",
        "--heartbeat-interval",
        "5m",
        "--heartbeat-grace",
        "1m",
        "--rate-limit",
        "600",
    )

    source = Source.objects.get()
    assert token not in source.token_hash
    assert (source.heartbeat_interval, source.heartbeat_grace) == (
        timedelta(minutes=5),
        timedelta(minutes=1),
    )
    assert (source.rate_limit, source.heartbeat_severity, source.events_count_as_life) == (
        600,
        "high",
        True,
    )
    response = client.post(
        "/api/v1/events",
        example("miso-lmr-dispatch.json"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 202


def test_without_heartbeat_options_the_source_has_no_monitor_and_the_default_limit(team):
    create_source("pjm", "--team", "grid-ops")

    source = Source.objects.get()
    assert (source.heartbeat_interval, source.rate_limit) == (None, 1200)


def test_with_token_the_existing_source_gets_that_token_and_the_old_one_stops(team, client):
    old = create_source("pjm", "--team", "grid-ops")
    new = create_source("pjm", "--team", "grid-ops", "--token", "pjm-token-2026")

    assert new == "pjm-token-2026"
    assert Source.objects.count() == 1
    post = lambda token: client.post(  # noqa: E731
        "/api/v1/events",
        example("pjm-dr-30min.json"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert post(old).status_code == 401
    assert post(new).status_code == 202


def test_an_existing_source_without_token_is_an_error_not_a_silent_rotation(team):
    create_source("pjm", "--team", "grid-ops")

    with pytest.raises(CommandError, match="stored hashed"):
        create_source("pjm", "--team", "grid-ops")


def test_an_unknown_team_is_an_error(db):
    with pytest.raises(CommandError, match="No team with slug 'nope'"):
        create_source("pjm", "--team", "nope")
