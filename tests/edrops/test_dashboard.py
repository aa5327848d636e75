"""The web dashboard: responders log in, see what is open and who has it, acknowledge with a
button, read an event's whole timeline in their own time zone, and see who is on call."""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from edrops.models import Event
from edrops.services.unreachable import person_unreachable
from tests.edrops.conftest import example
from tests.factories import PersonFactory, TeamFactory
from tests.rosters.factories import rotation

pytestmark = pytest.mark.django_db

MISO = example("miso-lmr-dispatch.json")
THREE_STEPS = {"steps": [{"wait": 120, "targets": ["rotation:primary"]}] * 3, "repeat": 0}
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def web(alice):
    """Alice in a browser, logged in through the responders' login page (she is not staff)."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    client.post(
        "/accounts/login/",
        {
            "username": "alice",
            "password": "pw-alice-1",
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
    )
    return client


def csrf(client) -> str:
    return client.cookies["csrftoken"].value


def post_dispatch(sender, body=MISO) -> Event:
    """An integration posts `body`; the workers are not run."""
    return Event.objects.get(pk=sender.post("/api/v1/events", body, format="json").json()["id"])


def test_the_dashboard_asks_for_a_login_and_a_responder_without_staff_rights_can_log_in(
    client, alice
):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")

    login = client.get("/accounts/login/")
    assert b'<label for="id_username">' in login.content
    client.post("/accounts/login/", {"username": "alice", "password": "pw-alice-1"})
    assert client.get("/").status_code == 200


def test_when_the_session_ends_the_polling_board_sends_the_browser_to_the_login(client):
    response = client.get("/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/")
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/"
    assert b"Log in" not in response.content


def test_an_open_event_shows_what_where_how_much_and_who_is_being_paged(sender, web):
    event = post_dispatch(sender, {**MISO, "test": True})
    Event.objects.filter(pk=event.pk).update(
        policy=THREE_STEPS, step_index=1, paging=["alice", "bob"], last_step_at=timezone.now()
    )

    page = web.get("/").content.decode()

    row = page[page.index(f'id="event-{event.pk}"') :]
    row = row[: row.index("</li>")]
    assert "TEST" in row
    assert "MISO LMR" in row
    assert "12.5 MW" in row
    assert "LRZ 4" in row
    assert "Triggered" in row
    deadline = re.search(r'data-respond-by="([^"]+)"', row).group(1)
    assert datetime.fromisoformat(deadline) == event.respond_by  # the countdown ticks from it
    assert "step 1 of 3: paging alice, bob" in row
    assert "Acknowledge" in row


def test_a_missed_respond_by_is_said_in_words_not_colour_alone(sender, web):
    event = post_dispatch(sender)
    with time_machine.travel(event.respond_by + timedelta(minutes=3)):
        page = web.get("/").content.decode()
    row = page[page.index(f'id="event-{event.pk}"') :]
    assert 'class="event triggered missed"' in row[:200]
    assert "<strong>missed</strong> respond-by 3 min ago" in row


def test_the_acknowledge_button_acknowledges_as_the_logged_in_person_via_web(sender, web):
    event = post_dispatch(sender)

    response = web.post(f"/events/{event.pk}/acknowledge", HTTP_X_CSRFTOKEN=csrf(web))

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == "acknowledged"
    assert (event.acknowledged_by.handle, event.acknowledged_via) == ("alice", "web")
    board = web.get("/").content.decode()
    assert "acknowledged by <strong>alice</strong> via web" in board
    assert "acknowledged by alice via web" in board  # the message after the redirect


def test_the_buttons_need_the_csrf_token(sender, web):
    event = post_dispatch(sender)
    assert web.post(f"/events/{event.pk}/acknowledge").status_code == 403
    event.refresh_from_db()
    assert event.status == "triggered"


def test_pressing_acknowledge_second_says_who_was_first(sender, web, django_user_model):
    event = post_dispatch(sender)
    bob = django_user_model.objects.create_user("bob", password="pw-bob-1", is_staff=True)
    other = Client()
    other.force_login(bob)
    other.post(f"/events/{event.pk}/acknowledge")

    response = web.post(
        f"/events/{event.pk}/acknowledge", HTTP_X_CSRFTOKEN=csrf(web), HTTP_HX_REQUEST="true"
    )

    text = response.content.decode()
    assert "already acknowledged by bob via web" in text
    assert "<html" not in text  # htmx gets the board, not a page


def test_resolve_asks_first_and_from_the_event_page_comes_back_to_it(sender, web):
    event = post_dispatch(sender)
    board = web.get("/").content.decode()
    page = web.get(f"/events/{event.pk}").content.decode()
    for html in (board, page):
        assert f'hx-confirm="Resolve {MISO["external_id"]}? Paging stops' in html

    response = web.post(
        f"/events/{event.pk}/resolve",
        {"next": "event"},
        HTTP_X_CSRFTOKEN=csrf(web),
        HTTP_HX_REQUEST="true",
    )

    assert response["HX-Redirect"] == f"/events/{event.pk}"
    event.refresh_from_db()
    assert (event.status, event.closed_via) == ("resolved", "web")


def test_htmx_polls_get_the_board_alone(sender, web):
    post_dispatch(sender)
    fragment = web.get("/", HTTP_HX_REQUEST="true").content.decode()
    full = web.get("/").content.decode()
    assert "<html" not in fragment
    assert "Open events" in fragment
    assert 'hx-trigger="every 2s"' in full
    assert 'hx-swap="morph:innerHTML"' in full


def test_open_events_keep_their_order_when_one_changes_and_closed_ones_go_below(sender, web):
    first = post_dispatch(sender, {**MISO, "external_id": "A"})
    second = post_dispatch(sender, {**MISO, "external_id": "B"})
    third = post_dispatch(sender, {**MISO, "external_id": "C"})
    web.post(f"/events/{second.pk}/acknowledge", HTTP_X_CSRFTOKEN=csrf(web))
    web.post(f"/events/{third.pk}/resolve", HTTP_X_CSRFTOKEN=csrf(web))

    page = web.get("/").content.decode()
    order = re.findall(r'id="event-([0-9a-f-]+)"', page)
    assert order == [str(first.pk), str(second.pk), str(third.pk)]
    closed = page[page.index("Recently closed") :]
    assert f'id="event-{third.pk}"' in closed
    assert "resolved" in closed.lower()


def test_the_event_page_shows_the_whole_timeline_in_the_viewers_time_zone(sender, web, alice):
    alice.timezone = "America/Chicago"
    alice.save()
    with time_machine.travel(NOW, tick=False):
        event = post_dispatch(sender)
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        web.post(f"/events/{event.pk}/acknowledge", {"next": "event"}, HTTP_X_CSRFTOKEN=csrf(web))

    page = web.get(f"/events/{event.pk}").content.decode()

    assert "America/Chicago" in page
    # 15:00 UTC is 09:00 in Chicago in November (CST).
    assert "Nov 24 09:00:00 CST" in page
    assert "received" in page
    assert "Nov 24 09:02:00 CST" in page
    assert "acknowledged by alice via web" in page


def test_without_a_person_the_browsers_zone_is_used_on_the_board(sender, django_user_model):
    user = django_user_model.objects.create_user("ops", password="pw-ops-1")
    client = Client()
    client.force_login(user)
    client.cookies["tz"] = "Asia/Tokyo"
    post_dispatch(sender)
    assert "Asia/Tokyo" in client.get("/").content.decode()
    client.cookies["tz"] = "Not/AZone"
    assert ">UTC<" in client.get("/").content.decode()


def test_an_unknown_event_is_404(web):
    assert web.get(f"/events/{uuid.uuid4()}").status_code == 404


def test_the_oncall_page_shows_who_is_on_now_and_next_in_their_time_and_yours(web, team, alice):
    bob = PersonFactory(handle="bob", name="Bob Ruiz", timezone="Europe/Berlin")
    alice.name, alice.timezone = "Alice Ng", "America/Chicago"
    alice.save()
    rotation(team=team, people=[alice, bob], start="2026-11-23T09:00", shift=timedelta(weeks=1))

    with time_machine.travel(NOW, tick=False):
        page = web.get("/oncall").content.decode()

    assert "Alice Ng" in page
    assert "Bob Ruiz" in page
    assert "their time 09:00 CST" in page
    assert "Mon Nov 30 09:00 CST" in page  # alice's hand-off, in the viewer's (her) zone
    assert "Mon 16:00 CET for them" in page  # bob starts then, 16:00 in Berlin


def test_the_oncall_page_costs_the_same_queries_for_one_team_or_ten(
    web, team, alice, django_assert_num_queries
):
    rotation(team=team, people=[alice], start="2026-11-23T09:00", shift=timedelta(weeks=1))
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as one_team:
        web.get("/oncall")
    for n in range(9):
        other = TeamFactory(slug=f"market-{n}", name=f"Market desk {n}")
        people = [PersonFactory(handle=f"p{n}a"), PersonFactory(handle=f"p{n}b")]
        rotation(team=other, people=people, start="2026-11-23T09:00", shift=timedelta(days=1))

    with time_machine.travel(NOW, tick=False), django_assert_num_queries(len(one_team)):
        page = web.get("/oncall").content.decode()

    assert all(f"Market desk {n}" in page for n in range(9))


def test_the_dashboard_says_when_edrops_cannot_page(web):
    # No worker or clock has checked in: the self-monitoring banner says so.
    page = web.get("/").content.decode()
    assert 'role="alert"' in page
    assert "edrops cannot page right now" in page


def test_silent_sources_are_flagged_on_the_board(source, web):
    source.heartbeat_interval = timedelta(minutes=5)
    source.heartbeat_grace = timedelta(minutes=1)
    source.heartbeat_due_at = timezone.now() - timedelta(minutes=1)
    source.save()
    page = web.get("/").content.decode()
    assert "miso-dispatch is silent" in page


def test_once_acknowledged_the_event_page_says_where_escalation_stopped(sender, web):
    event = post_dispatch(sender)
    Event.objects.filter(pk=event.pk).update(
        policy=THREE_STEPS, step_index=2, paging=["bob"], last_step_at=timezone.now()
    )
    web.post(f"/events/{event.pk}/acknowledge", {"next": "event"}, HTTP_X_CSRFTOKEN=csrf(web))

    page = web.get(f"/events/{event.pk}").content.decode()

    assert "stopped at step 2 of 3: last paged bob" in page
    assert "paging bob" not in page


def test_a_page_nobody_got_is_flagged_on_its_row_until_someone_answers(sender, web, alice):
    event = post_dispatch(sender)
    person_unreachable(
        person_id=alice.pk,
        reference=str(event.pk),
        failures=[("sms", "twilio 21211 invalid number"), ("voice", "not reached: no-answer")],
        now=timezone.now(),
    )

    row = re.search(rf'<li id="event-{event.pk}".*?</li>', web.get("/").content.decode(), re.S)
    assert "alice could not be reached by any contact method" in row[0]
    assert 'role="alert"' in row[0]

    web.post(f"/events/{event.pk}/acknowledge", HTTP_X_CSRFTOKEN=csrf(web))
    assert "could not be reached" not in web.get("/").content.decode()
