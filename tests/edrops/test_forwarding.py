"""Forwarding to services outside: a step's `pagerduty:ROUTING_KEY` opens an incident in (a
fake) PagerDuty through the real `pagerduty` client, keyed by our event's id, and is resolved
there when resolved here; an acknowledge in PagerDuty comes back as a signed v3 webhook and
stops our escalation; a step's `webhook:derms` gets signed trigger, acknowledge and resolve
bodies. In-process, as in test_escalation: the clock's tick and the queued tasks run by hand."""

import copy
import logging

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from edrops import selectors
from edrops.models import Event
from notifications.models import Notification
from tests.edrops.conftest import MISO, miso_sender_for, post_dispatch_and_run_workers
from tests.factories import person_token
from tests.fakes.pagerduty import OTHER_KEY, ROUTING_KEY, sign
from tests.fakes.queue import run_queued_tasks
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db(transaction=True)

ALICE, DAN = "+13125550101", "+13125550104"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "login": "alice", "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "members": ["alice", "dan"],
         "rotations": [
             {"name": "primary", "timezone": "America/Chicago", "start": "2026-07-06T09:00",
              "shift": "1w", "people": ["alice"]},
         ],
         "escalation": {"steps": [
             {"notify": ["rotation:primary", f"pagerduty:{ROUTING_KEY}", "webhook:derms"],
              "wait": "2m"},
             {"notify": ["person:dan"]},
         ]}},
    ],
}  # fmt: skip


def with_first_step(*targets: str) -> dict:
    roster = copy.deepcopy(ROSTER)
    roster["teams"][0]["escalation"]["steps"][0]["notify"] = list(targets)
    return roster


def paged(handle: str, event: Event) -> bool:
    return Notification.objects.filter(person__handle=handle, reference=str(event.pk)).exists()


def as_alice() -> APIClient:
    client = APIClient()
    token = person_token(User.objects.get(username="alice"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def pagerduty_says(client, pagerduty, event_type: str, dedup_key: str, **kwargs):
    raw, headers = pagerduty.webhook(event_type, dedup_key, **kwargs)
    return post_signed(client, raw, headers)


def post_signed(client, raw: bytes, headers: dict[str, str]):
    return client.post(
        "/hooks/pagerduty",
        data=raw,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=headers["X-PagerDuty-Signature"],
    )


def test_a_forwarded_page_reaches_pagerduty_keyed_by_our_event_and_is_resolved_with_it(
    tmp_path, clock, pagerduty, receiver, caplog
):
    caplog.set_level(logging.DEBUG)
    sender = miso_sender_for(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)

    trigger = pagerduty.expect_event(action="trigger", dedup_key=str(event.pk))
    payload = trigger.body["payload"]
    assert payload["summary"] == event.summary
    assert (payload["severity"], payload["source"]) == ("critical", f"MISO {event.location}")
    assert payload["custom_details"]["url"].endswith(f"/events/{event.pk}")
    assert pagerduty.incident(str(event.pk)).status == "triggered"
    assert paged("alice", event)  # PagerDuty is one more way in, not instead of the roster

    resolved = as_alice().post(f"/api/v1/events/{event.pk}/resolve")
    assert resolved.status_code == 200, resolved.content
    run_queued_tasks()
    pagerduty.expect_event(action="resolve", dedup_key=str(event.pk))
    assert pagerduty.incident(str(event.pk)).status == "resolved"
    pagerduty.expect_nothing_more()

    shown = as_alice().get(f"/api/v1/events/{event.pk}")
    timeline = [(e["kind"], e["channel"], e["detail"]) for e in shown.json()["timeline"]]
    assert any("forwarded to PagerDuty …001a" in d for _, _, d in timeline), timeline
    assert ("notified", "pagerduty", "PagerDuty …001a: resolve") in timeline
    # The routing key is a secret: the API and the logs name the service by its last four.
    assert ROUTING_KEY not in shown.content.decode()
    assert ROUTING_KEY not in caplog.text


def test_an_acknowledge_in_pagerduty_acknowledges_here_and_stops_the_escalation(
    tmp_path, clock, pagerduty, receiver, client
):
    sender = miso_sender_for(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)
    pagerduty.expect_event(action="trigger", dedup_key=str(event.pk))

    answer = pagerduty_says(client, pagerduty, "incident.acknowledged", str(event.pk))
    assert answer.status_code == 200, answer.content
    event.refresh_from_db()
    assert event.status == "acknowledged"
    assert (event.acknowledged_by_name, event.acknowledged_via) == (
        "PagerDuty (Tenex Engineer)",
        "pagerduty",
    )
    run_queued_tasks()
    clock(180)  # past step 1's wait: dan would be paged now
    assert not paged("dan", event)
    # PagerDuty is told too (it knows already: harmless), and the webhook hears it.
    pagerduty.expect_event(action="acknowledge", dedup_key=str(event.pk))
    receiver.expect(action="trigger", event_id=str(event.pk))
    assert receiver.expect(action="acknowledge", event_id=str(event.pk))["acknowledged_by"] == (
        "PagerDuty (Tenex Engineer)"
    )

    # Resolved in PagerDuty later: resolved here, and the webhook hears that too.
    answer = pagerduty_says(client, pagerduty, "incident.resolved", str(event.pk), agent="Dee")
    assert answer.status_code == 200, answer.content
    run_queued_tasks()
    event.refresh_from_db()
    assert (event.status, event.closed_by_name) == ("resolved", "PagerDuty (Dee)")
    receiver.expect(action="resolve", event_id=str(event.pk))
    receiver.expect_nothing_more()


def test_hostile_pagerduty_webhooks_change_nothing(
    tmp_path, clock, pagerduty, receiver, client, settings
):
    sender = miso_sender_for(tmp_path, ROSTER)
    event = post_dispatch_and_run_workers(sender)
    # PagerDuty refused this one's trigger: no incident of it exists there to answer.
    pagerduty.inject(Reply(400, {"status": "invalid event", "errors": ["Invalid routing key"]}))
    never_forwarded = post_dispatch_and_run_workers(sender, {**MISO, "external_id": "MISO-2"})
    key = str(event.pk)

    raw, headers = pagerduty.webhook("incident.acknowledged", key, secret="not-our-secret")
    assert post_signed(client, raw, headers).status_code == 403
    unsigned = client.post("/hooks/pagerduty", data=raw, content_type="application/json")
    assert unsigned.status_code == 403
    raw, headers = pagerduty.webhook("incident.acknowledged", key)
    tampered = raw.replace(b"Tenex Engineer", b"Mallory")
    assert post_signed(client, tampered, headers).status_code == 403

    malformed = b'{"event": {"id": '
    assert post_signed(client, malformed, _signed(malformed, pagerduty)).status_code == 400
    not_an_object = b'["incident.acknowledged"]'
    assert post_signed(client, not_an_object, _signed(not_an_object, pagerduty)).status_code == 400
    no_event = b'{"messages": []}'
    assert post_signed(client, no_event, _signed(no_event, pagerduty)).status_code == 400

    for unknown in ("d3640fbd41094207a1c11e58e46b1662", "", str(never_forwarded.pk)):
        answer = pagerduty_says(client, pagerduty, "incident.acknowledged", unknown)
        assert answer.status_code == 202, answer.content
        assert "ignored" in answer.json()
    assert pagerduty_says(client, pagerduty, "incident.annotated", key).status_code == 202

    settings.PAGERDUTY_WEBHOOK_SECRET = ""
    assert pagerduty_says(client, pagerduty, "incident.acknowledged", key).status_code == 403
    settings.PAGERDUTY_WEBHOOK_SECRET = pagerduty.webhook_secret

    for e in (event, never_forwarded):
        e.refresh_from_db()
        assert e.status == "triggered"

    # A captured, signed acknowledge sent twice is applied once.
    raw, headers = pagerduty.webhook("incident.acknowledged", key, webhook_id="01BRB6ZP4M6T8ZG4")
    assert post_signed(client, raw, headers).status_code == 200
    assert as_alice().post(f"/api/v1/events/{key}/resolve").status_code == 200
    replayed = post_signed(client, raw, headers)
    assert replayed.status_code == 202
    assert replayed.json() == {"ignored": "already applied (a webhook PagerDuty sent before)"}
    event.refresh_from_db()
    assert event.status == "resolved"
    acks = [e for e in selectors.timeline(event=event) if e.kind == "acknowledged"]
    assert len(acks) == 1


def test_a_routing_key_pagerduty_refuses_is_on_the_timeline_and_the_next_step_goes_now(
    tmp_path, clock, pagerduty
):
    sender = miso_sender_for(tmp_path, with_first_step(f"pagerduty:{OTHER_KEY}"))
    event = post_dispatch_and_run_workers(sender)  # PagerDuty answers 400
    clock(1)  # the clock queues the step the refusal pulled forward
    assert paged("dan", event)
    event.refresh_from_db()
    entries = [(e.kind, e.detail) for e in selectors.timeline(event=event)]
    assert any(k == "failed" and "Invalid routing key" in d for k, d in entries), entries
    assert any("the next step goes now" in d for _, d in entries), entries
    assert not pagerduty.incidents


def test_pagerduty_rate_limiting_is_ridden_out_after_its_retry_after(tmp_path, clock, pagerduty):
    sender = miso_sender_for(tmp_path, with_first_step(f"pagerduty:{ROUTING_KEY}"))
    pagerduty.rate_limit_next(retry_after=20)
    event = post_dispatch_and_run_workers(sender)
    trigger = Notification.objects.get(reference=str(event.pk), channel="pagerduty")
    assert (trigger.state, trigger.attempts) == ("pending", 1)
    clock(19)
    assert not pagerduty.events
    clock(1)
    pagerduty.expect_event(action="trigger", dedup_key=str(event.pk))
    assert Notification.objects.get(pk=trigger.pk).state == "sent"
    assert not paged("dan", event)  # a rate limit is not a refusal: no step is skipped


def test_a_webhook_target_gets_signed_trigger_acknowledge_and_resolve_bodies(
    tmp_path, clock, receiver
):
    sender = miso_sender_for(tmp_path, with_first_step("rotation:primary", "webhook:derms"))
    event = post_dispatch_and_run_workers(sender)
    trigger = receiver.expect(action="trigger", event_id=str(event.pk))
    assert (trigger["status"], trigger["summary"], trigger["mw"]) == (
        "triggered",
        event.summary,
        12.5,
    )
    assert trigger["url"] == f"/api/v1/events/{event.pk}"

    assert as_alice().post(f"/api/v1/events/{event.pk}/acknowledge").status_code == 200
    run_queued_tasks()
    ack = receiver.expect(action="acknowledge", event_id=str(event.pk))
    assert (ack["status"], ack["acknowledged_by"]) == ("acknowledged", "alice")
    assert as_alice().post(f"/api/v1/events/{event.pk}/resolve").status_code == 200
    run_queued_tasks()
    assert receiver.expect(action="resolve", event_id=str(event.pk))["status"] == "resolved"
    receiver.expect_nothing_more()
    assert receiver.refused == 0
    ids = {d.delivery_id for d in receiver.deliveries}
    assert len(ids) == 3
    assert "" not in ids


def test_a_webhook_that_refuses_our_signature_fails_for_good_on_the_timeline(
    tmp_path, clock, receiver, settings
):
    settings.WEBHOOKS = {"derms": {"url": receiver.hook_url, "secret": "a-stale-secret"}}
    sender = miso_sender_for(tmp_path, with_first_step("rotation:primary", "webhook:derms"))
    event = post_dispatch_and_run_workers(sender)
    forward = Notification.objects.get(reference=str(event.pk), channel="webhook")
    assert (forward.state, forward.last_error) == ("failed", "webhook derms HTTP 401")
    assert receiver.refused == 1
    clock(60)
    assert not paged("dan", event)  # alice was paged by the same step: no skipping ahead


def _signed(raw: bytes, pagerduty) -> dict[str, str]:
    return {"X-PagerDuty-Signature": sign(raw, pagerduty.webhook_secret)}


def test_a_resolve_waits_for_its_trigger_to_pagerduty(tmp_path, clock, pagerduty):
    """A resolve never overtakes its trigger: PagerDuty drops a resolve for an incident it
    hasn't opened, and the trigger would then open one that nobody closes."""
    sender = miso_sender_for(tmp_path, with_first_step("person:alice", f"pagerduty:{ROUTING_KEY}"))
    pagerduty.fail_next(status=502)
    event = post_dispatch_and_run_workers(sender)
    trigger = Notification.objects.filter(reference=str(event.pk), channel="pagerduty")
    # A worker is sending the trigger's retry right now when alice resolves the event.
    trigger.update(state="sending")
    assert as_alice().post(f"/api/v1/events/{event.pk}/resolve").status_code == 200
    run_queued_tasks()
    clock(5)
    assert not pagerduty.events  # the resolve waits behind the trigger in flight
    # That send timed out; the trigger goes back to pending (as recovery does) and goes first.
    trigger.update(state="pending", due_at=timezone.now(), enqueued_at=None, sent_at=None)
    clock(1)
    clock(1)
    assert [e.action for e in pagerduty.events] == ["trigger", "resolve"]
    assert pagerduty.incident(str(event.pk)).status == "resolved"


def test_the_admin_names_pagerduty_by_the_keys_last_four(tmp_path, clock, pagerduty, admin_client):
    sender = miso_sender_for(
        tmp_path, with_first_step("rotation:primary", f"pagerduty:{ROUTING_KEY}")
    )
    event = post_dispatch_and_run_workers(sender)
    forward = Notification.objects.get(reference=str(event.pk), channel="pagerduty")
    pages = [
        "/admin/notifications/notification/",
        f"/admin/notifications/notification/{forward.pk}/change/",
        f"/admin/edrops/event/{event.pk}/change/",
        "/admin/rosters/team/",
    ]
    for url in pages:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert ROUTING_KEY not in page.content.decode(), url
    assert "PagerDuty …001a" in admin_client.get(pages[1]).content.decode()
    assert "pagerduty:…001a" in admin_client.get(pages[2]).content.decode()

    # The event's page shows the forward on its timeline.
    page = admin_client.get(f"/events/{event.pk}").content.decode()
    assert "PagerDuty …001a: trigger" in page
    assert ROUTING_KEY not in page
