"""People's API tokens: made with `manage.py drf_create_token USERNAME` as operators script it,
used as `Authorization: Token <key>`, stored only as a hash, and expiring."""

import importlib
import re
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

hash_person_tokens = importlib.import_module("edrops.migrations.0011_hash_person_tokens")

pytestmark = pytest.mark.django_db

OUTPUT = re.compile(r"Generated token ([0-9a-f]{64}) for user alice\n")


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice")


def create_token(*args: str) -> str:
    out = StringIO()
    call_command("drf_create_token", *args, stdout=out, stderr=StringIO())
    match = OUTPUT.fullmatch(out.getvalue())
    assert match, f"stdout was {out.getvalue()!r}"
    return match[1]


def reads_events(token: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/v1/events").status_code


def test_drf_create_token_prints_one_line_as_operators_script_it_and_the_token_works(alice):
    token = create_token("alice")

    assert reads_events(token) == 200


def test_the_token_is_stored_only_as_a_hash(alice):
    token = create_token("alice")

    stored = AuthToken.objects.get(user=alice)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert token not in row
    assert stored.digest != token


def test_a_token_expires_after_api_token_ttl_by_default(alice, settings):
    token = create_token("alice")

    expiry = AuthToken.objects.get(user=alice).expiry
    assert abs(expiry - (timezone.now() + timedelta(seconds=settings.API_TOKEN_TTL))) < timedelta(
        minutes=1
    )
    with time_machine.travel(expiry + timedelta(seconds=1), tick=False):
        assert reads_events(token) == 401


def test_expires_in_sets_the_life_of_one_token(alice):
    day = create_token("alice", "--expires-in", "1d")
    forever = create_token("alice", "--expires-in", "never")

    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1), tick=False):
        assert reads_events(day) == 401
        assert reads_events(forever) == 200


def test_each_run_makes_a_new_token_and_reset_revokes_the_others(alice):
    first = create_token("alice")
    second = create_token("alice")
    third = create_token("alice", "--reset")

    assert len({first, second, third}) == 3
    assert (reads_events(first), reads_events(second), reads_events(third)) == (401, 401, 200)


def test_an_unknown_user_is_an_error_as_in_drf(db):
    with pytest.raises(CommandError, match="Cannot create the Token: user nobody does not exist"):
        call_command("drf_create_token", "nobody", stdout=StringIO())


def test_a_token_of_bytes_that_are_not_text_is_a_401_not_a_500(db):
    api = APIClient()
    response = api.get("/api/v1/events", HTTP_AUTHORIZATION="Token \xff\xfe-not-utf8")

    assert response.status_code == 401


def test_a_revoked_token_stops_working_at_once(alice):
    token = create_token("alice")

    AuthToken.objects.filter(user=alice).delete()  # the admin's Delete

    assert reads_events(token) == 401


def test_tokens_made_before_with_drf_keep_working_stored_hashed(alice):
    """An install upgraded from DRF's authtoken: its table of plain-text keys."""
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # DRF's shape: 40 hex characters
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone, user_id integer)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime, user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, timezone.now(), alice.pk]
        )

    hash_person_tokens.hash_plaintext_tokens(apps, SimpleNamespace(connection=connection))

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    assert reads_events(key) == 200
    assert AuthToken.objects.get(user=alice).digest != key
