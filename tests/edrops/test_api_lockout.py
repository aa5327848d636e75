"""Token failures on the API are throttled per client address like logins (API.md §3): from
the 10th failure within 10 minutes, a credential that fails gets 429 with Retry-After instead
of 401, until 10 minutes after the last. A valid token is never refused for it."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from edrops.models import ApiAuthFailures
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db

GUESSER = "203.0.113.9"


def as_person(token: str, address: str = GUESSER) -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def as_source(token: str, address: str = GUESSER) -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def guess(times: int, address: str = GUESSER) -> list[int]:
    return [
        as_person(f"guess-{n}", address).get("/api/v1/events").status_code for n in range(times)
    ]


def test_the_tenth_bad_token_and_those_after_it_get_429_with_retry_after(db):
    answers = guess(9)

    tenth = as_person("guess-10").get("/api/v1/events")
    eleventh = as_person("guess-11").get("/api/v1/events")

    assert answers == [401] * 9
    assert tenth.status_code == eleventh.status_code == 429
    assert eleventh["Retry-After"] == "600"
    assert "Too many failed credentials from your address" in eleventh.json()["detail"]


def test_a_valid_token_from_a_locked_address_still_works(responder, alice):
    guess(12)
    token = responder._credentials["HTTP_AUTHORIZATION"].split()[1]

    assert as_person(token).get("/api/v1/events").status_code == 200


def test_other_addresses_are_not_locked(db):
    guess(12)

    assert as_person("guess", address="192.0.2.44").get("/api/v1/events").status_code == 401


def test_a_source_token_that_fails_counts_too_and_the_right_one_still_sends(source):
    dispatch_body = example("miso-lmr-dispatch.json")
    wrong = [
        as_source(f"guess-{n}").post("/api/v1/events", dispatch_body, format="json").status_code
        for n in range(10)
    ]

    dispatch = as_source("miso-secret-token").post("/api/v1/events", dispatch_body, format="json")

    assert wrong == [401] * 9 + [429]
    assert dispatch.status_code == 202


def test_unknown_routing_keys_count_too(source):
    body = {**example("pagerduty-v2-trigger.json"), "routing_key": "guessed"}
    url = "/api/v1/integrations/pagerduty/v2/enqueue"

    answers = [APIClient(REMOTE_ADDR=GUESSER).post(url, body, format="json") for _ in range(10)]

    assert [a.status_code for a in answers] == [401] * 9 + [429]
    assert "Retry-After" in answers[-1]


def test_the_lock_lifts_10_minutes_after_the_last_failure(db):
    guess(10)

    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1), tick=False):
        assert guess(1) == [401]


def test_staff_unlock_an_address_in_the_admin(db, django_user_model):
    guess(10)
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("lead", "lead@example.com"))

    listing = staff.get("/admin/edrops/apiauthfailures/")
    staff.post(
        "/admin/edrops/apiauthfailures/",
        {"action": "delete_selected", "_selected_action": [GUESSER], "post": "yes"},
    )

    assert GUESSER in listing.text
    assert not ApiAuthFailures.objects.exists()
    assert guess(1) == [401]


def test_behind_a_trusted_proxy_the_client_is_locked_not_the_proxy(db):
    for n in range(10):
        api = as_person(f"guess-{n}", address="127.0.0.1")
        api.get("/api/v1/events", HTTP_X_FORWARDED_FOR=GUESSER)

    colleague = as_person("typo", address="127.0.0.1").get(
        "/api/v1/events", HTTP_X_FORWARDED_FOR="192.0.2.44"
    )

    assert colleague.status_code == 401
    assert ApiAuthFailures.objects.get(address=GUESSER).failures == 10
