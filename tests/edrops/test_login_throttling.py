"""Logins are throttled per username and per client address (django-axes): after 10 failures,
each within 10 minutes of the one before, logins are refused for 10 minutes after the last,
even with the right password, and the login page says so. Staff can unlock in the admin."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """A login checks a password hash even for an unknown username: here it needn't be slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(django_user_model):
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("lead", "lead@example.com"))
    return staff


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="right-horse-battery")


def log_in(client, username: str, password: str, address: str = "198.51.100.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail(client, times: int, username: str = "alice", address: str = "198.51.100.7"):
    return [log_in(client, username, "wrong", address).status_code for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_11th_wrong_password_is_refused_and_so_is_the_right_one_while_locked(client, alice):
    answers = fail(client, 10)

    eleventh = log_in(client, "alice", "wrong")
    right = log_in(client, "alice", "right-horse-battery")

    assert answers[:9] == [200] * 9  # "didn't match"
    assert answers[9] == 429  # the 10th failure locks
    assert eleventh.status_code == right.status_code == 429
    assert "Too many failed logins for this username" in right.text
    assert "even with the right password" in right.text
    assert not logged_in(client)


def test_a_username_is_locked_whichever_address_the_guesses_come_from(client, alice):
    for n in range(10):
        log_in(client, "alice", "wrong", address=f"203.0.113.{n + 1}")

    refused = log_in(client, "alice", "right-horse-battery", address="192.0.2.44")

    assert refused.status_code == 429
    assert not logged_in(client)


def test_an_address_spraying_usernames_is_locked_for_every_username(
    client, alice, django_user_model
):
    django_user_model.objects.create_user("bob", password="bobs-own-password")
    for n in range(10):
        log_in(client, f"guess{n}", "wrong", address="203.0.113.9")

    from_there = log_in(client, "bob", "bobs-own-password", address="203.0.113.9")
    elsewhere = log_in(client, "bob", "bobs-own-password", address="192.0.2.44")

    assert from_there.status_code == 429
    assert "Too many failed logins for your address" in from_there.text
    assert elsewhere.status_code == 302


def test_the_lock_lifts_10_minutes_after_the_last_failure(client, alice):
    fail(client, 10)

    with time_machine.travel(timezone.now() + timedelta(minutes=9), tick=False):
        assert log_in(client, "alice", "right-horse-battery").status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        assert log_in(client, "alice", "right-horse-battery").status_code == 302
    assert logged_in(client)


def test_failures_far_apart_never_lock(client, alice):
    start = timezone.now()
    for n in range(12):
        with time_machine.travel(start + timedelta(minutes=11 * n), tick=False):
            assert log_in(client, "alice", "wrong").status_code == 200

    with time_machine.travel(start + timedelta(minutes=11 * 12), tick=False):
        assert log_in(client, "alice", "right-horse-battery").status_code == 302


def test_staff_unlock_a_username_in_the_admin(client, alice, staff):
    fail(client, 10)

    listing = staff.get("/admin/axes/accessattempt/")
    unlocked = staff.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert listing.status_code == 200
    assert unlocked.status_code == 302
    assert log_in(client, "alice", "right-horse-battery").status_code == 302


def test_behind_a_trusted_proxy_the_client_address_is_the_one_locked(client, alice):
    """Every request comes from the proxy on 127.0.0.1; X-Forwarded-For names the client."""
    for _ in range(10):
        log_in(client, "nobody", "wrong", address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    guesser = log_in(
        client, "alice", "right-horse-battery", "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    colleague = log_in(
        client, "alice", "right-horse-battery", "127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.44"
    )

    assert guesser.status_code == 429
    assert colleague.status_code == 302


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_not_believed(client, alice):
    """A guesser can't dodge the address lock by naming a new address each time."""
    for n in range(10):
        log_in(client, "nobody", "wrong", "203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    again = log_in(
        client, "alice", "right-horse-battery", "203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99"
    )

    assert again.status_code == 429
