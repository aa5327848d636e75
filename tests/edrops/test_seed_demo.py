from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from edrops.models import Event, EventRevision
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db


def test_the_demo_prints_a_login_and_source_tokens_that_work(client):
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    printed = out.getvalue()

    assert "Admin login: admin / edrops-demo" in printed
    assert "Demo source miso-dispatch: Authorization: Bearer demo-miso-dispatch" in printed
    login = client.post("/accounts/login/", {"username": "admin", "password": "edrops-demo"})
    assert login.status_code == 302, "logged in and sent on to the dashboard"

    integration = APIClient()
    integration.credentials(HTTP_AUTHORIZATION="Bearer demo-miso-dispatch")
    response = integration.post("/api/v1/events", example("miso-lmr-dispatch.json"), format="json")
    assert response.status_code == 202


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="runs only with DEBUG on"):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_make_demo_posts_a_dispatch_that_starts_in_30_minutes_over_http(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    call_command("seed_demo", "--force", stdout=StringIO())
    out = StringIO()
    call_command("demo_dispatch", "--url", live_server.url, stdout=out)
    event = Event.objects.get()
    assert out.getvalue().startswith(f"202 event {event.pk} (DEMO-")
    assert out.getvalue().strip().endswith(f"{live_server.url}/events/{event.pk}")
    starts_in = event.starts_at - event.created_at
    assert timedelta(minutes=29) <= starts_in <= timedelta(minutes=30)
    assert event.source.name == "miso-dispatch"
    assert not event.test
    assert EventRevision.objects.get().body["external_id"] == event.external_id

    # Again: a new event, not a redelivery of the first.
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        call_command("demo_dispatch", "--url", live_server.url, "--test", stdout=StringIO())
    assert Event.objects.filter(test=True).count() == 1


def test_demo_dispatch_says_why_when_edrops_is_not_there_or_the_token_is_wrong(live_server):
    call_command("seed_demo", "--force", stdout=StringIO())
    with pytest.raises(CommandError, match="start it with `make run`, or send it with --direct"):
        call_command("demo_dispatch", "--url", "http://127.0.0.1:9", stdout=StringIO())
    with pytest.raises(CommandError, match="answered 401"):
        call_command("demo_dispatch", "--url", live_server.url, "--token", "nope")
    with pytest.raises(CommandError, match="http:// or https://"):
        call_command("demo_dispatch", "--url", "file:///etc/passwd")
    with pytest.raises(CommandError, match="--starts-in soon"):
        call_command("demo_dispatch", "--starts-in", "soon")
    assert not Event.objects.exists()


def test_demo_dispatch_direct_ingests_it_without_the_web_server():
    call_command("seed_demo", "--force", stdout=StringIO())
    out = StringIO()
    call_command("demo_dispatch", "--direct", "--starts-in", "2h", stdout=out)
    event = Event.objects.get()
    assert out.getvalue().startswith(f"ingested event {event.pk}")
    starts_in = event.starts_at - event.created_at
    assert timedelta(hours=1, minutes=59) <= starts_in <= timedelta(hours=2)
