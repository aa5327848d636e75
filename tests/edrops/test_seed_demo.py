from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

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
