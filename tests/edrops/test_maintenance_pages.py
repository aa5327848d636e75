"""The Maintenance page, the board's banner and mark, and the admin: a lead plans a window in
the dashboard's form, the board says it is on and marks the dispatch that arrived in it, and
*End now* ends it; the admin refuses what the API refuses. Times relative to now."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from edrops import services
from edrops.models import Event, MaintenanceWindow
from tests.edrops.conftest import MISO
from tests.factories import PersonFactory, TeamFactory
from tests.web_forms import form_values

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def grid_ops(db):
    return TeamFactory(slug="grid-ops", timezone="America/Chicago")


@pytest.fixture
def feed(grid_ops):
    return services.upsert_source(name="miso-dispatch", team=grid_ops, token="miso-t")[0]


@pytest.fixture
def lead(client, django_user_model):
    user = django_user_model.objects.create_user("lena", password="pw-lena-1")
    PersonFactory(handle="lena", user=user, role="lead", timezone="America/Chicago")
    client.force_login(user)
    return client


def local(minutes: int) -> str:
    """A time `minutes` from now as <input type="datetime-local"> sends it, in Chicago."""
    return (
        (timezone.now() + timedelta(minutes=minutes)).astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")
    )


def new_window(page: str, **typed) -> dict:
    values = form_values(page, form_id="new-window")
    return {**values, **typed}


def test_a_lead_plans_a_window_the_board_shows_it_and_marks_the_dispatch_then_ends_it(lead, feed):
    page = lead.get("/maintenance")
    assert page.status_code == 200
    assert "No maintenance planned." in page.text
    given = new_window(
        page.text,
        name="MISO EMS upgrade",
        covers="source:miso-dispatch",
        mode="silent",
        starts_at=local(-1),
        ends_at=local(120),
    )
    assert given["time_zone"] == "America/Chicago", "the viewer's zone, by default"
    planned = lead.post("/maintenance", given, follow=True)
    assert "Planned maintenance window &#x27;MISO EMS upgrade&#x27;" in planned.text
    window = MaintenanceWindow.objects.get()
    assert (window.source, window.mode, window.created_by.username) == (feed, "silent", "lena")
    assert abs(window.ends_at - (timezone.now() + timedelta(minutes=120))) < timedelta(minutes=1)
    assert "End now" in planned.text

    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION="Bearer miso-t")
    assert sender.post("/api/v1/events", MISO, format="json").status_code == 202
    event = Event.objects.get()

    board = lead.get("/").text
    assert 'id="maintenance"' in board
    assert "ON NOW" in board
    assert "MISO EMS upgrade" in board
    assert "held by maintenance: nobody paged unless escalated" in board
    assert "arrived during maintenance window 'MISO EMS upgrade'" in board
    event_page = lead.get(f"/events/{event.pk}").text
    assert "suppressed" in event_page
    assert "held: nobody paged unless escalated" in event_page
    api = lead.get(f"/api/v1/events/{event.pk}").json()
    assert api["maintenance"] == {"id": window.pk, "name": "MISO EMS upgrade", "mode": "silent"}

    ended = lead.post(f"/maintenance/{window.pk}/end", follow=True)
    assert "Ended maintenance window" in ended.text
    assert "No maintenance planned." in ended.text
    window.refresh_from_db()
    assert window.ended_by == "lena"
    assert 'id="maintenance"' not in lead.get("/").text
    assert "arrived during maintenance window" in lead.get("/").text, "the mark stays"


def test_a_form_with_mistakes_says_what_is_wrong_and_plans_nothing(lead, feed):
    page = lead.get("/maintenance").text
    answer = lead.post(
        "/maintenance",
        new_window(
            page,
            name="oops",
            covers="match",
            starts_at=local(60),
            ends_at=local(30),
            rrule="FREQ=HOURLY",
        ),
    )
    assert answer.status_code == 400
    assert "Say what the window covers" in answer.text
    answer = lead.post(
        "/maintenance",
        new_window(
            page,
            name="oops",
            covers="source:miso-dispatch",
            starts_at=local(60),
            ends_at=local(30),
            rrule="FREQ=HOURLY",
        ),
    )
    assert answer.status_code == 400
    assert "Must be after starts_at." in answer.text
    answer = lead.post(
        "/maintenance", new_window(page, name="x", covers="team:nope", time_zone="Mars/Base")
    )
    assert answer.status_code == 400
    assert "Mars/Base is not an IANA time zone" in answer.text
    assert MaintenanceWindow.objects.count() == 0


def test_a_responder_sees_the_windows_but_no_end_button_for_another_teams(
    client, django_user_model, grid_ops, feed
):
    other = TeamFactory(slug="market-ops")
    MaintenanceWindow.objects.create(
        name="PJM portal outage",
        team=other,
        mode="slack",
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    user = django_user_model.objects.create_user("bob", password="pw-bob-1")
    grid_ops.members.add(PersonFactory(handle="bob", user=user))
    client.force_login(user)
    page = client.get("/maintenance").text
    assert "PJM portal outage" in page
    assert "End now" not in page
    window = MaintenanceWindow.objects.get()
    assert client.post(f"/maintenance/{window.pk}/end").status_code == 403
    assert client.post("/maintenance/999999/end").status_code == 404
    given = new_window(page, name="mine?", covers="team:market-ops", starts_at=local(0),
                       ends_at=local(60))  # fmt: skip
    refused = client.post("/maintenance", given)
    assert refused.status_code == 403
    assert "not a member of team market-ops" in refused.text


def test_the_admin_plans_a_window_and_refuses_a_bad_rule(client, django_user_model, feed):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-1")
    client.force_login(admin)
    now = timezone.now()
    form = {
        "name": "Weekly patching",
        "source": feed.pk,
        "mode": "silent",
        "starts_at_0": (now + timedelta(hours=1)).strftime("%Y-%m-%d"),
        "starts_at_1": (now + timedelta(hours=1)).strftime("%H:%M:%S"),
        "ends_at_0": (now + timedelta(hours=3)).strftime("%Y-%m-%d"),
        "ends_at_1": (now + timedelta(hours=3)).strftime("%H:%M:%S"),
        "time_zone": "America/Chicago",
        "rrule": "FREQ=WEEKLY;BYHOUR=3",
    }
    refused = client.post("/admin/edrops/maintenancewindow/add/", form)
    assert refused.status_code == 200
    assert "BYHOUR can&#x27;t be used" in refused.text
    assert MaintenanceWindow.objects.count() == 0
    form["rrule"] = "FREQ=WEEKLY"
    added = client.post("/admin/edrops/maintenancewindow/add/", form)
    assert added.status_code == 302, added.content
    window = MaintenanceWindow.objects.get()
    assert window.created_by == admin
    assert window.series_ends_at is None
    assert "Weekly patching" in client.get("/admin/edrops/maintenancewindow/").text
