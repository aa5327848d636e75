"""The dashboard's controls, as the ops room uses them: Alice pages her team from "Page a team"
and lands on the new event; the event page offers Escalate now, Reassign and (once
acknowledged) Snooze; the same refusals as the API (403 for Mia, 409 on a resolved event, a
form without its CSRF token refused), said on the page."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_q.models import OrmQ

from edrops.models import Event
from tests.edrops.conftest import TWO_DESKS, miso_sender_for
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

FORM = {
    "team": "grid-ops",
    "summary": "MISO called: curtail 12.5 MW in LRZ 4",
    "market": "MISO",
    "mw": "12.5",
    "starts_at": "2026-07-14T14:00",
}


@pytest.fixture
def roster(tmp_path):
    miso_sender_for(tmp_path, TWO_DESKS)


def browser_as(username: str, **kwargs) -> Client:
    browser = Client(**kwargs)
    browser.force_login(get_user_model().objects.get_or_create(username=username)[0])
    return browser


def paged(browser: Client, form: dict = FORM) -> Event:
    answer = browser.post("/page", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    event = Event.objects.get()
    assert answer["Location"] == f"/events/{event.pk}"
    return event


def test_alice_pages_her_team_from_the_dashboard_and_lands_on_the_new_event(roster):
    alice = browser_as("alice")
    form = alice.get("/page").content.decode()
    assert "Page a team" in form
    assert 'value="grid-ops"' in form
    assert 'value="market-ops"' not in form  # not hers to page

    event = paged(alice)

    assert (event.integration, event.created_by_name, event.team.slug) == (
        "manual",
        "alice",
        "grid-ops",
    )
    # Typed in her zone (Chicago, CDT).
    assert event.starts_at.isoformat() == "2026-07-14T19:00:00+00:00"
    page = alice.get(f"/events/{event.pk}").content.decode()
    assert "Paged by</dt><dd>alice, by hand" in page
    assert "Escalate now" in page
    assert "Reassign to" in page
    assert "Snooze for" not in page  # only once acknowledged


def test_page_a_person_offers_everyone_and_their_first_team_by_default(roster):
    alice = browser_as("alice")
    assert "Mia Chen (mia)" in alice.get("/page?to=person").content.decode()
    answer = alice.post(
        "/page?to=person", {"person": "mia", "team": "grid-ops", "summary": "ERCOT ERS-10"}
    )
    assert answer.status_code == 302
    event = Event.objects.get()
    assert (event.assigned_to.handle, event.team.slug) == ("mia", "grid-ops")
    # Without a team: mia's own, which alice may not page.
    refused = alice.post("/page?to=person", {"person": "mia", "summary": "again"})
    assert refused.status_code == 403
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"summary": ""},
        {"summary": "x" * 1025},
        {"mw": "-1"},
        {"mw": "lots"},
        {"starts_at": "someday"},
        {"starts_at": "2500-01-01T00:00"},
        {"team": "market-ops"},
        {"team": ""},
        {"summary": "nul \x00 here"},
    ],
)
def test_a_page_form_that_cant_be_read_is_answered_400_on_the_form_and_pages_nobody(roster, change):
    answer = browser_as("alice").post("/page", {**FORM, **change})
    assert answer.status_code == 400
    assert 'class="error"' in answer.content.decode()
    assert not Event.objects.exists()


def test_escalate_now_from_the_event_page(roster):
    alice = browser_as("alice")
    event = paged(alice)
    run_queued_tasks()

    answer = alice.post(f"/events/{event.pk}/escalate", {"next": "event"})

    assert answer.status_code == 302
    assert answer["Location"] == f"/events/{event.pk}"
    page = alice.get(f"/events/{event.pk}").content.decode()
    assert "escalated now by alice via web" in page


def test_reassign_and_snooze_from_the_event_page(roster, django_user_model):
    alice = browser_as("alice")
    event = paged(alice)
    run_queued_tasks()
    alice.post(f"/events/{event.pk}/acknowledge", {"next": "event"})
    assert "Snooze for" in alice.get(f"/events/{event.pk}").content.decode()

    alice.post(f"/events/{event.pk}/snooze", {"next": "event", "minutes": "30"})
    event.refresh_from_db()
    assert event.wake_at is not None
    assert "triggered again at" in alice.get(f"/events/{event.pk}").content.decode()

    alice.post(f"/events/{event.pk}/reassign", {"next": "event", "to": "person:mia"})
    event.refresh_from_db()
    assert (event.status, event.assigned_to.handle) == ("triggered", "mia")


def test_the_same_refusals_as_the_api(roster):
    alice = browser_as("alice")
    event = paged(alice)
    OrmQ.objects.all().delete()

    assert browser_as("mia").post(f"/events/{event.pk}/escalate").status_code == 403
    assert alice.post(f"/events/{event.pk}/reassign", {"to": "team:market-ops"}).status_code == 403
    # A triggered event isn't snoozed: said on the page, 409.
    snoozed = alice.post(f"/events/{event.pk}/snooze", {"next": "event", "minutes": "30"})
    assert snoozed.status_code == 409
    assert "only an acknowledged event can be snoozed" in snoozed.content.decode()
    alice.post(f"/events/{event.pk}/resolve", {"next": "event"})
    answer = alice.post(f"/events/{event.pk}/escalate", {"next": "event"})
    assert answer.status_code == 409
    assert "This event is resolved by alice: there is nothing to escalate" in (
        answer.content.decode()
    )
    # Bad values never reach a service.
    assert alice.post(f"/events/{event.pk}/snooze", {"minutes": "7"}).status_code == 302
    assert alice.post(f"/events/{event.pk}/reassign", {"to": "nobody"}).status_code == 302
    event.refresh_from_db()
    assert event.status == "resolved"
    assert not OrmQ.objects.exists()


def test_a_form_without_its_csrf_token_is_refused(roster):
    strict = browser_as("alice", enforce_csrf_checks=True)
    assert strict.post("/page", FORM).status_code == 403
    assert not Event.objects.exists()
