"""Who may do what, as people meet it: Mia is on the market desk, Alice on grid ops, Olga leads
the market desk. A grid-ops dispatch is Alice's to answer (and a lead's, and staff's); Mia is
told she can't, on every channel she tries, and nothing changes. Logins that no person is linked
to read and don't act. With EDROPS_READ_ALL_TEAMS off, the desks don't see each other's events."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from edrops import selectors
from edrops.models import Event
from notifications import services as notifications
from notifications.content import PageContent
from notifications.models import Channel
from rosters.models import Person
from tests.edrops.conftest import miso_sender_for, post_dispatch_and_run_workers
from tests.factories import person_token
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

ALICE, MIA, OLGA = "+13125550101", "+13125550121", "+13125550131"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "slack_user_id": "U0ALICE", "login": "alice",
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "slack", "after": "0s"}]},
        {"handle": "mia", "name": "Mia Chen", "timezone": "America/Chicago", "phone": MIA,
         "slack_user_id": "U0MIA", "login": "mia", "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "olga", "name": "Olga Berg", "timezone": "Europe/Berlin", "phone": OLGA,
         "login": "olga", "role": "lead", "contact": [{"channel": "sms", "after": "0s"}]},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "slack_channel": "C0GRIDOPS", "members": ["alice"],
         "rotations": [{"name": "primary", "start": "2026-07-06T09:00", "shift": "1w",
                        "people": ["alice"]}],
         # Mia is paged only if Alice hasn't answered in 5 minutes.
         "escalation": {"steps": [{"notify": ["rotation:primary"], "wait": "5m"},
                                  {"notify": ["person:mia"]}]}},
        {"slug": "market-ops", "name": "Market Operations", "slack_channel": "C0MARKETS",
         "members": ["mia", "olga"]},
    ],
    "sources": [{"name": "miso-dispatch", "team": "grid-ops"}],
}  # fmt: skip


@pytest.fixture
def sender(tmp_path):
    return miso_sender_for(tmp_path, ROSTER)


def api_as(username: str) -> APIClient:
    client = APIClient()
    user = get_user_model().objects.get_or_create(username=username)[0]
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return client


def browser_as(username: str) -> Client:
    browser = Client()
    browser.force_login(get_user_model().objects.get_or_create(username=username)[0])
    return browser


def row(event: Event) -> str:
    """The event's row on the board."""
    return f'id="event-{event.pk}"'


def status(event: Event) -> str:
    event.refresh_from_db()
    return event.status


def test_mia_from_the_market_desk_cant_acknowledge_a_grid_ops_dispatch_by_sms_but_its_lead_can(
    sender, clock, twilio
):
    event = post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")

    twilio.reply_sms(from_=MIA, body="1")
    run_queued_tasks()

    twilio.expect_sms(to=MIA, containing="1: You can't acknowledge that event")
    assert status(event) == "triggered"
    refused = [i for i in selectors.timeline(event=event) if i.kind == "reply"]
    assert [(i.person, i.detail) for i in refused] == [
        ("mia", "replied '1': refused, not mia's to answer")
    ]

    twilio.reply_sms(from_=OLGA, body="ack 1")
    run_queued_tasks()
    twilio.expect_sms(to=OLGA, containing="1: acknowledged by olga via sms")
    assert status(event) == "acknowledged"


def test_a_click_on_the_grid_ops_channel_post_by_mia_is_refused_to_her_alone(
    sender, clock, twilio, slack
):
    event = post_dispatch_and_run_workers(sender)
    post = slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW")
    slack.expect_message(to="U0ALICE")

    assert slack.click_acknowledge(post, user_id="U0MIA").status_code == 200
    run_queued_tasks()

    refusal = slack.expect_ephemeral(to="U0MIA", containing="You can't acknowledge that event")
    assert (refusal.channel, "team grid-ops's" in refusal.text) == ("C0GRIDOPS", True)
    assert status(event) == "triggered"
    assert post.updates == []

    slack.click_acknowledge(post, user_id="U0ALICE")
    run_queued_tasks()
    slack.expect_update(post, containing="acknowledged by alice via slack")


def test_once_paged_for_it_mia_may_acknowledge_a_grid_ops_event(sender, clock, twilio):
    event = post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)
    clock(300)  # step 2: Mia
    twilio.expect_sms(to=MIA, containing="Reply 1 to ack")

    twilio.reply_sms(from_=MIA, body="1")
    run_queued_tasks()

    twilio.expect_sms(to=MIA, containing="1: acknowledged by mia via sms")
    assert status(event) == "acknowledged"


def test_on_the_web_and_the_api_mia_gets_403_and_the_lead_and_staff_do_not(sender, clock):
    event = post_dispatch_and_run_workers(sender)
    get_user_model().objects.create_user("night-ops", is_staff=True)

    page = browser_as("mia").post(f"/events/{event.pk}/acknowledge")
    api = api_as("mia").post(f"/api/v1/events/{event.pk}/acknowledge")

    assert page.status_code == 403
    assert "it is team grid-ops&#x27;s" in page.content.decode()
    assert api.status_code == 403
    assert api.json() == {
        "detail": "You can't act on this event: it is team grid-ops's, and you are neither a "
        "member nor paged for it (a lead or a member of grid-ops can act on it)."
    }
    assert status(event) == "triggered"

    # A board drawn before: htmx gets the board back, with why, in place of the button.
    stale = browser_as("mia").post(f"/events/{event.pk}/acknowledge", HTTP_HX_REQUEST="true")
    assert stale.status_code == 403
    assert "<html" not in stale.content.decode()
    assert "You can&#x27;t act on this event" in stale.content.decode()

    assert api_as("olga").post(f"/api/v1/events/{event.pk}/acknowledge").status_code == 200
    resolved = api_as("night-ops").post(f"/api/v1/events/{event.pk}/resolve")
    assert (resolved.status_code, resolved.json()["closed_by"]) == (200, "night-ops")


def test_a_login_no_person_is_linked_to_reads_events_but_does_not_act(sender, clock):
    event = post_dispatch_and_run_workers(sender)
    reader = api_as("auditor")

    assert reader.get("/api/v1/events").json()["count"] == 1
    assert reader.get(f"/api/v1/events/{event.pk}").status_code == 200
    for action in ("acknowledge", "resolve"):
        refused = reader.post(f"/api/v1/events/{event.pk}/{action}")
        assert refused.status_code == 403
        assert "not linked to anyone on the roster" in refused.json()["detail"]
    assert browser_as("auditor").post(f"/events/{event.pk}/resolve").status_code == 403
    assert status(event) == "triggered"


def test_the_board_shows_mia_the_dispatch_without_its_buttons(sender, clock):
    event = post_dispatch_and_run_workers(sender)

    mias = browser_as("mia").get("/").content.decode()
    alices = browser_as("alice").get("/").content.decode()

    assert row(event) in mias
    assert f"/events/{event.pk}/acknowledge" not in mias
    assert "grid-ops's to answer" in mias
    assert f"/events/{event.pk}/acknowledge" in alices


def test_without_read_all_teams_each_desk_sees_only_its_own_events(sender, clock, settings):
    settings.EDROPS_READ_ALL_TEAMS = False
    event = post_dispatch_and_run_workers(sender)

    assert api_as("mia").get("/api/v1/events").json()["count"] == 0
    assert api_as("mia").get(f"/api/v1/events/{event.pk}").status_code == 404
    assert api_as("mia").post(f"/api/v1/events/{event.pk}/acknowledge").status_code == 404
    assert row(event) not in browser_as("mia").get("/").content.decode()
    assert browser_as("mia").get(f"/events/{event.pk}").status_code == 404
    assert api_as("auditor").get("/api/v1/events").json()["count"] == 0
    for desk in ("alice", "olga"):
        assert api_as(desk).get("/api/v1/events").json()["count"] == 1
        assert row(event) in browser_as(desk).get("/").content.decode()

    clock(300)  # now Mia is paged for it
    assert api_as("mia").get("/api/v1/events").json()["count"] == 1


def test_a_call_about_an_event_that_isnt_hers_says_so_and_acknowledges_nothing(
    sender, clock, twilio
):
    event = post_dispatch_and_run_workers(sender)
    twilio.expect_sms(to=ALICE)
    # A page to Mia that no escalation step sent (a hand-made test call): not "paged for".
    notifications.schedule_page(
        person=Person.objects.get(handle="mia"),
        channel=Channel.VOICE,
        content=PageContent(summary="a test call", ack_code="1"),
        reference=str(event.pk),
        due_at=timezone.now(),
    )
    run_queued_tasks()
    call = twilio.expect_call(to=MIA)

    said = twilio.press_key(call, "1")
    run_queued_tasks()

    assert "can't acknowledge that event" in said
    assert status(event) == "triggered"


def test_alice_adds_a_note_and_mia_may_not(sender, clock):
    event = post_dispatch_and_run_workers(sender)
    note = {"text": "called the site: curtailing by 14:05"}

    added = api_as("alice").post(f"/api/v1/events/{event.pk}/notes", note, format="json")
    refused = api_as("mia").post(f"/api/v1/events/{event.pk}/notes", note, format="json")
    empty = api_as("alice").post(f"/api/v1/events/{event.pk}/notes", {"text": ""}, format="json")

    assert added.status_code == 201
    assert [
        (t["person"], t["detail"]) for t in added.json()["timeline"] if t["kind"] == "note"
    ] == [("alice", "alice: called the site: curtailing by 14:05")]
    assert refused.status_code == 403
    assert (empty.status_code, list(empty.json())) == (400, ["text"])

    browser = browser_as("alice")
    browser.post(f"/events/{event.pk}/notes", {"text": "site confirms", "next": "event"})
    assert "alice: site confirms" in browser.get(f"/events/{event.pk}").content.decode()
