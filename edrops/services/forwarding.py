"""Forwarding an event to services outside: a step's `pagerduty:ROUTING_KEY` opens an incident
on that PagerDuty service (Events API v2, dedup_key = our event's id), a step's `webhook:NAME`
POSTs the event, signed, to a receiver such as a DERMS. Both then follow ours: when the event
is acknowledged or closed here, they are sent `acknowledge` / `resolve` (`follow_up`).

What each message says is rendered here, when it happens (a webhook's body is the event as
the API shows it at that moment); `notifications` queues and sends it with a page's
guarantees. A forward refused for good (an invalid routing key) comes back to `forward_failed`:
it is on the timeline already, and when it was all its step reached, the next step goes now.
"""

import json
import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from rest_framework.utils.encoders import JSONEncoder

from edrops.api.serializers import EventOut
from edrops.models import Event, Severity, TimelineEntry
from edrops.services.timeline import append_timeline
from notifications import services as notifications
from notifications.models import Notification, Outbound, shown_destination
from rosters.validators import Target

log = logging.getLogger(__name__)

TRIGGER, ACKNOWLEDGE, RESOLVE = "trigger", "acknowledge", "resolve"
# Ours to PagerDuty's (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
PAGERDUTY_SEVERITY = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "error",
    Severity.LOW: "warning",
}
SUMMARY_MAX = 1024  # PagerDuty's limit for payload.summary


def forward(
    *, event: Event, targets: list[Target], step: tuple[int, int], alone: bool, now: datetime
) -> list[str]:
    """Trigger each forward target of a step (`alone`: the step reached nobody else, so a
    refusal should move the escalation on). Returns how the timeline names each one sent,
    and those that already had it ("PagerDuty …a1b2 already has it")."""
    said = []
    for target in targets:
        content = {**render(event=event, channel=target.kind, action=TRIGGER), "step": list(step)}
        content["alone"] = alone
        made = notifications.schedule_forward(
            channel=target.kind,
            destination=target.value,
            reference=str(event.pk),
            content=content,
            due_at=now,
        )
        shown = shown_destination(target.kind, target.value)
        said.append(f"forwarded to {shown}" if made else f"{shown} already has it")
    return said


def follow_up(*, event: Event, now: datetime) -> int:
    """The event has been acknowledged, resolved or cancelled here: every service that heard
    its trigger is told (acknowledge, or resolve for both closings), once. Returns how many."""
    action = ACKNOWLEDGE if event.status == Event.Status.ACKNOWLEDGED else RESOLVE
    told = 0
    for heard in notifications.forwarded(reference=str(event.pk)):
        if heard.last_action == RESOLVE or heard.last_action == action:
            continue
        notifications.schedule_forward(
            channel=heard.channel,
            destination=heard.destination,
            reference=str(event.pk),
            content=render(event=event, channel=heard.channel, action=action),
            due_at=now,
        )
        told += 1
    return told


def render(*, event: Event, channel: str, action: str) -> dict:
    """What a service is sent: for PagerDuty the Events API fields, for a webhook its body."""
    if channel == Outbound.WEBHOOK:
        return {"action": action, "summary": event.summary, "body": webhook_body(event, action)}
    if action != TRIGGER:
        return {"action": action, "summary": event.summary}
    url = f"{settings.PUBLIC_BASE_URL}/events/{event.pk}"
    return {
        "action": TRIGGER,
        "summary": (("TEST " if event.test else "") + event.summary)[:SUMMARY_MAX],
        "source": " ".join(filter(None, [event.market, event.location])) or event.source.name,
        "severity": PAGERDUTY_SEVERITY.get(event.severity, "critical"),
        "payload": {
            "timestamp": event.created_at.isoformat(),
            **{k: v for k, v in _grouping(event).items() if v},
        },
        "custom_details": _json(
            {
                "team": event.team.slug,
                "source": event.source.name,
                "external_id": event.external_id,
                "market": event.market,
                "program": event.program,
                "mw": event.mw,
                "location": event.location,
                "starts_at": event.starts_at,
                "respond_by": event.respond_by,
                "test": event.test,
                "url": url,
            }
        ),
        "links": [{"href": url, "text": "The event in edrops"}],
    }


def webhook_body(event: Event, action: str) -> dict:
    """The event as GET /api/v1/events lists it, and what happened to it."""
    return {**_json(EventOut(event).data), "action": action}


def _grouping(event: Event) -> dict:
    return {"component": event.location, "group": event.market, "class": event.program}


def _json(data) -> dict:
    # As the API's renderer writes it (a Decimal MW as a number, times in ISO 8601), and
    # storable in the notification's JSON column.
    return json.loads(json.dumps(data, cls=JSONEncoder))


@transaction.atomic
def forward_failed(*, notification_id: int, now: datetime) -> str:
    """A trigger PagerDuty or a webhook refused for good (notifications' log already puts the
    failure on the timeline). When it was all its step reached and the event still waits on
    that step, the next step goes now: waiting out the step's wait would only spend the
    response window."""
    forward = Notification.objects.filter(pk=notification_id).first()
    if forward is None or forward.kind != Notification.Kind.PAGE:
        return "not a trigger"  # a refused acknowledge or resolve: nothing more to do
    try:
        event_id = uuid.UUID(forward.reference)
    except ValueError:
        return "not an event"
    event = Event.objects.select_for_update(of=("self",)).filter(pk=event_id).first()
    if event is None or event.status != Event.Status.TRIGGERED:
        return "the event is no longer waiting for an answer"
    step = forward.content.get("step") or [0, 0]
    steps = len(event.policy.get("steps") or [])
    waiting_on = _previous(event, steps=steps)
    if not forward.content.get("alone") or waiting_on != tuple(step) or event.next_step_at is None:
        return "the step reached others, or the escalation has moved on"
    if event.next_step_at <= now:
        return "the next step is due already"
    Event.objects.filter(pk=event.pk).update(next_step_at=now, step_queued_at=None)
    append_timeline(
        event=event,
        at=now,
        kind=TimelineEntry.Kind.ESCALATED,
        detail=(
            f"{forward.addressee} refused the page ({forward.last_error}), and step "
            f"{step[0] + 1} reached nobody else: the next step goes now"
        ),
    )
    log.warning("event %s: %s refused the page; next step now", event.pk, forward.addressee)
    return "next step now"


def _previous(event: Event, *, steps: int) -> tuple[int, int]:
    """The (step, pass) that ran last, from the armed one (run_step arms the following)."""
    if event.step_index > 0:
        return event.step_index - 1, event.pass_index
    return max(steps - 1, 0), event.pass_index - 1
