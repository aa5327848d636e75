"""PagerDuty's answers: its v3 webhooks (`POST /hooks/pagerduty`, signature checked by the
view) bring an acknowledge or resolve made in PagerDuty back to the event we forwarded.

The event is found by the incident's `incident_key`: PagerDuty sets it to the dedup_key of the
alert that opened the incident, and our dedup_key is the event's id. (An incident that alert
grouping merged carries a key of PagerDuty's own, and is ignored.) Each webhook is applied
once, by PagerDuty's id for it (`event.id`): a replay changes nothing.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from edrops import permissions
from edrops.models import Event, ForwardAnswer, TimelineEntry
from edrops.services.acknowledgement import acknowledge, resolve

VIA = TimelineEntry.Channel.PAGERDUTY
ACTIONS = {"incident.acknowledged": "acknowledge", "incident.resolved": "resolve"}
WHO_MAX = 150  # Event.acknowledged_by_name


class InvalidWebhook(ValueError):
    """Not a v3 webhook: no `event` object with an id and an event_type."""


@dataclass(frozen=True)
class Answered:
    applied: bool  # this webhook changed the event (or was its replay: `detail` says)
    detail: str


def answer_from_pagerduty(*, body: Any, now: datetime) -> Answered:
    """Apply one verified v3 webhook body (parsed JSON). Raises InvalidWebhook for a body
    that isn't one; anything we don't act on is answered `applied=False`, with why."""
    outbound = body.get("event") if isinstance(body, dict) else None
    if not isinstance(outbound, dict):
        raise InvalidWebhook("a v3 webhook has an `event` object")
    webhook_id, event_type = outbound.get("id"), outbound.get("event_type")
    if not (isinstance(webhook_id, str) and webhook_id and isinstance(event_type, str)):
        raise InvalidWebhook("the `event` needs an `id` and an `event_type`")
    action = ACTIONS.get(event_type)
    if action is None:
        return Answered(False, f"{event_type[:64]} changes nothing here")
    data = outbound.get("data")
    key = data.get("incident_key") if isinstance(data, dict) else None
    event = _forwarded_event(key)
    if event is None:
        return Answered(False, "the incident_key names no event of ours forwarded to PagerDuty")
    agent = outbound.get("agent")
    name = agent.get("summary") if isinstance(agent, dict) else None
    by = (f"PagerDuty ({name.strip()})" if isinstance(name, str) and name.strip() else "PagerDuty")
    if len(by) > WHO_MAX:
        by = by[: WHO_MAX - 2] + "…)"
    with transaction.atomic():
        try:
            with transaction.atomic():
                answer = ForwardAnswer.objects.create(
                    key=f"pagerduty:{webhook_id}"[:160],
                    received_at=now,
                    event=event,
                    action=action,
                    by=by,
                )
        except IntegrityError:
            return Answered(False, "already applied (a webhook PagerDuty sent before)")
        act = acknowledge if action == "acknowledge" else resolve
        result = act(event=event, by=None, outside=by, via=VIA, at=now)
        answer.outcome = result.message[:255]
        answer.save(update_fields=["outcome"])
    return Answered(result.changed, result.message)


def _forwarded_event(key: object) -> Event | None:
    try:
        event_id = uuid.UUID(key) if isinstance(key, str) else None
    except ValueError:
        return None
    event = Event.objects.select_related("team").filter(pk=event_id).first() if event_id else None
    if event is None:
        return None
    try:
        permissions.check_forwarded_to(event=event, channel=VIA)
    except permissions.Refused:
        return None
    return event
