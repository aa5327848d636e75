import json
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from edrops import services
from tests.factories import PersonFactory, TeamFactory
from tests.fakes.fixtures import slack, twilio  # noqa: F401 -- fixtures

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
    user = django_user_model.objects.create_user("alice", password="pw-alice-1")
    return PersonFactory(handle="alice", user=user)


@pytest.fixture
def responder(alice):
    """Alice, reading and acknowledging with her DRF token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice.user).key}")
    return client
