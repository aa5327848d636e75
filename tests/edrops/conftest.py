import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from edrops import services
from edrops.clock import tick
from edrops.models import Event
from rosters.models import Team
from tests.factories import PersonFactory, TeamFactory, person_token
from tests.fakes.fixtures import pagerduty, receiver, slack, twilio  # noqa: F401 -- fixtures
from tests.fakes.queue import run_queued_tasks

EXAMPLES = Path(__file__).resolve().parents[2] / "edrops" / "api" / "examples"
DATA = Path(__file__).resolve().parents[1] / "data"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


@pytest.fixture
def team(db):
    return TeamFactory(slug="grid-ops", name="Grid Operations")


@pytest.fixture
def source_and_token(team):
    return services.upsert_source(name="miso-dispatch", team=team, token="miso-secret-token")


@pytest.fixture
def source(source_and_token):
    return source_and_token[0]


@pytest.fixture
def sender(source_and_token):
    """An integration: an API client with the source's Bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {source_and_token[1]}")
    return client


@pytest.fixture
def alice(django_user_model, team):
    """On grid-ops, so its events are hers to answer."""
    user = django_user_model.objects.create_user("alice", password="pw-alice-1")
    alice = PersonFactory(handle="alice", user=user)
    team.members.add(alice)
    return alice


@pytest.fixture
def staff(django_user_model):
    """A staff login with no person on the roster: it acts on every team's events."""
    return django_user_model.objects.create_user("ops-staff", password="pw-staff-1", is_staff=True)


@pytest.fixture
def responder(alice):
    """Alice, reading and acknowledging with her DRF token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(alice.user)}")
    return client


# The day of the MISO example: 12:15 CDT, 13:15 EDT, a Tuesday; its dispatch starts at 14:00 CDT.
NOON = datetime(2026, 7, 14, 17, 15, tzinfo=UTC)
MISO = example("miso-lmr-dispatch.json")


@pytest.fixture
def clock():
    """Time stopped at NOON and moved by hand; every move runs the clock's tick, then the
    workers (the queued tasks, in process)."""
    with time_machine.travel(NOON, tick=False) as traveller:

        def advance(seconds: float = 0) -> None:
            traveller.shift(timedelta(seconds=seconds))
            tick(timezone.now())
            run_queued_tasks()

        yield advance


# Two desks: Alice on grid-ops, Mia on market-ops, each with a login (the controls' tests).
TWO_DESKS = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago",
         "phone": "+13125550101", "login": "alice"},
        {"handle": "mia", "name": "Mia Chen", "timezone": "America/Chicago",
         "phone": "+13125550121", "login": "mia"},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "members": ["alice"]},
        {"slug": "market-ops", "name": "Market Operations", "members": ["mia"]},
    ],
}  # fmt: skip


def miso_sender_for(tmp_path, roster: dict) -> APIClient:
    """`roster` loaded as an ops lead loads it, and the miso-dispatch integration (on grid-ops)
    sending with its token."""
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(roster))
    call_command("load_roster", str(path), stdout=StringIO())
    services.upsert_source(
        name="miso-dispatch", team=Team.objects.get(slug="grid-ops"), token="miso-t"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    return client


def post_dispatch_and_run_workers(sender, body=MISO) -> Event:
    """An integration posts `body`; the workers run what it queued."""
    response = sender.post("/api/v1/events", body, format="json")
    assert response.status_code == 202, response.content
    run_queued_tasks()
    return Event.objects.get(pk=response.json()["id"])
