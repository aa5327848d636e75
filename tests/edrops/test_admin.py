"""The ops lead's view in the Django admin."""

import pytest

from edrops.models import Event, RejectedMessage, Source
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


def test_the_token_is_never_shown_and_rotating_it_shows_the_new_one_once(sender, source, ops_lead):
    page = ops_lead.get(f"/admin/edrops/source/{source.pk}/change/")
    assert "miso-secret-token" not in page.text
    assert source.token_hash not in page.text

    rotated = ops_lead.post(
        "/admin/edrops/source/",
        {"action": "rotate_tokens", "_selected_action": [source.pk]},
        follow=True,
    )

    [message] = [str(m) for m in rotated.context["messages"]]
    new_token = message.rsplit(" ", 1)[-1]
    assert message.startswith("Token of miso-dispatch (shown once, copy it now)")
    assert (
        sender.post("/api/v1/events", example("pjm-dr-30min.json"), format="json").status_code
        == 401
    )
    sender.credentials(HTTP_AUTHORIZATION=f"Bearer {new_token}")
    assert (
        sender.post("/api/v1/events", example("pjm-dr-30min.json"), format="json").status_code
        == 202
    )


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
        follow=True,
    )

    [message] = [str(m) for m in response.context["messages"] if "Token of" in str(m)]
    assert Source.objects.filter(name="ercot-ers").exists()
    assert message.startswith("Token of ercot-ers")


def test_rejected_messages_are_listed(sender, ops_lead):
    sender.generic("POST", "/api/v1/events", b"{nope", content_type="application/json")

    listing = ops_lead.get("/admin/edrops/rejectedmessage/")
    page = ops_lead.get(f"/admin/edrops/rejectedmessage/{RejectedMessage.objects.get().pk}/change/")

    assert listing.status_code == 200
    assert "{nope" in page.text
