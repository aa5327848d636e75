"""The ops lead's view in the Django admin."""

import re

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from edrops.models import Event, RejectedMessage
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_lead(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("lead", "lead@example.com"))
    return client


def test_the_event_page_shows_its_revisions_and_timeline(sender, ops_lead):
    sender.post("/api/v1/events", example("miso-lmr-dispatch.json"), format="json")
    sender.post("/api/v1/events", example("miso-lmr-cancel.json"), format="json")
    event = Event.objects.get()

    listing = ops_lead.get("/admin/edrops/event/?status__exact=cancelled")
    page = ops_lead.get(f"/admin/edrops/event/{event.pk}/change/")

    assert listing.status_code == 200
    assert "MISO LMR scheduling instruction withdrawn" in listing.text
    assert page.status_code == 200
    assert "withdrawn" in page.text
    assert "cancelled by miso-dispatch" in page.text  # a timeline entry
    assert "Forced generation outages" in page.text  # revision 0's body


def shown_tokens(response) -> dict[str, str]:
    """The tokens on the page, by source name."""
    return dict(
        re.findall(
            r'>([\w-]+)</a></td>\s*<td><code class="source-token">([\w-]+)</code>', response.text
        )
    )


def test_the_token_is_never_shown_and_rotating_it_shows_the_new_one_once(sender, source, ops_lead):
    page = ops_lead.get(f"/admin/edrops/source/{source.pk}/change/")
    assert "miso-secret-token" not in page.text
    assert source.token_hash not in page.text

    rotated = ops_lead.post(
        "/admin/edrops/source/", {"action": "rotate_tokens", "_selected_action": [source.pk]}
    )

    new_token = shown_tokens(rotated)["miso-dispatch"]
    assert "Shown once: copy each token now" in rotated.text
    assert (
        sender.post("/api/v1/events", example("pjm-dr-30min.json"), format="json").status_code
        == 401
    )
    sender.credentials(HTTP_AUTHORIZATION=f"Bearer {new_token}")
    assert (
        sender.post("/api/v1/events", example("pjm-dr-30min.json"), format="json").status_code
        == 202
    )


def test_a_new_token_is_in_the_page_only_not_in_a_cookie_or_a_cache(source, ops_lead):
    rotated = ops_lead.post(
        "/admin/edrops/source/", {"action": "rotate_tokens", "_selected_action": [source.pk]}
    )
    new_token = shown_tokens(rotated)["miso-dispatch"]
    next_page = ops_lead.get("/admin/edrops/source/")

    assert "no-store" in rotated["Cache-Control"]
    assert all(new_token not in cookie.value for cookie in rotated.cookies.values())
    assert all(new_token not in str(value) for value in ops_lead.session.values())
    assert new_token not in next_page.text


def test_a_source_added_in_the_admin_gets_a_token_shown_once(team, ops_lead):
    response = ops_lead.post(
        "/admin/edrops/source/add/",
        {
            "name": "ercot-ers",
            "team": team.pk,
            "rate_limit": 1200,
            "heartbeat_grace": "00:01:00",
            "heartbeat_severity": "high",
            "events_count_as_life": "on",
        },
    )

    token = shown_tokens(response)["ercot-ers"]
    integration = APIClient()
    integration.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert integration.post("/api/v1/heartbeat").json()["source"] == "ercot-ers"
    assert not list(get_messages(response.wsgi_request))


def test_rejected_messages_are_listed(sender, ops_lead):
    sender.generic("POST", "/api/v1/events", b"{nope", content_type="application/json")

    listing = ops_lead.get("/admin/edrops/rejectedmessage/")
    page = ops_lead.get(f"/admin/edrops/rejectedmessage/{RejectedMessage.objects.get().pk}/change/")

    assert listing.status_code == 200
    assert "{nope" in page.text
