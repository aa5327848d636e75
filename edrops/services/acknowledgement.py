"""Acknowledge, resolve and add a note: the one path the web, the API, PagerDuty's
`acknowledge` action, Slack, SMS and voice all take. Each first asks edrops/permissions.py
whether the actor may (Refused if not: nothing changes). The first acknowledgement wins by a
conditional UPDATE; later ones are told who was first."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from edrops import metrics, permissions
from edrops.models import Event, Opt, OptAnswer, Source, TimelineEntry
from edrops.services import tallies
from edrops.services.escalation import stop_paging
from edrops.services.opt_answers import owe_answer
from edrops.services.timeline import append_timeline
from notifications import services as notifications
from rosters.models import Person

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AckResult:
    event: Event  # as it is now
    changed: bool  # this call acknowledged (or resolved) it
    message: str  # "acknowledged by alice via sms" / "already acknowledged by bob via web"


def who(
    *,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    source: Source | None = None,
    outside: str = "",
) -> str:
    """Who did it, in words: the person's handle, else the login, else the source, else the
    service outside as it named them ("PagerDuty (Tenex Engineer)")."""
    if outside:
        return outside
    if by is not None:
        return by.handle
    if user is not None:
        return user.get_username()
    if source is not None:
        return f"source:{source.name}"
    return "unknown"


def check_may_act(
    *,
    event: Event,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    source: Source | None = None,
    slack_channel: str = "",
    outside: str = "",
    via: str = "",
) -> None:
    """Refused unless the one acting may act on `event`: a source on its own events, a service
    outside (`outside`, answering over `via`) on events forwarded to it, a person or login as
    edrops/permissions.py says."""
    if outside:
        permissions.check_forwarded_to(event=event, channel=via)
        return
    if source is not None:
        if event.source_id != source.pk:
            raise permissions.Refused(f"source {source.name} acts only on its own events")
        return
    if user is not None:
        actor = permissions.Actor(person=by, user=user)
    elif by is not None:
        actor = permissions.Actor.of_person(by)  # a reply: the person's login counts too
    else:
        actor = permissions.Actor(person=None)
    permissions.check_may_act(actor=actor, event=event, slack_channel=slack_channel)


def acknowledge(
    *,
    event: Event,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    source: Source | None = None,
    via: str,
    at: datetime,
    slack_channel: str = "",
    outside: str = "",
) -> AckResult:
    """Refused (nothing changes) when the one acting may not act on `event`."""
    check_may_act(
        event=event,
        by=by,
        user=user,
        source=source,
        slack_channel=slack_channel,
        outside=outside,
        via=via,
    )
    name = who(by=by, user=user, source=source, outside=outside)
    with transaction.atomic():
        won = Event.objects.filter(pk=event.pk, status=Event.Status.TRIGGERED).update(
            status=Event.Status.ACKNOWLEDGED,
            acknowledged_at=at,
            acknowledged_by=by,
            acknowledged_by_name=name,
            acknowledged_via=via,
            updated_at=at,
            # A fresh acknowledgement: no snooze from before carries over to it.
            wake_at=None,
            wake_queued_at=None,
        )
        if won:
            append_timeline(
                event=event,
                at=at,
                kind=TimelineEntry.Kind.ACKNOWLEDGED,
                person=by,
                channel=via,
                detail=f"acknowledged by {name} via {via}",
            )
            event.refresh_from_db()
            tallies.observe(metrics.ACKNOWLEDGE, seconds=(at - event.created_at).total_seconds())
            # A VTN's event: the aggregator takes part now that a person has it.
            owe_answer(event=event, opt=Opt.IN, reason=OptAnswer.Reason.ACKNOWLEDGED, at=at)
            stop_paging(
                event=event, message=f"acknowledged by {name} via {via}", tell=True, actor=by, at=at
            )
    if not won:
        event.refresh_from_db()  # who was first
        return AckResult(event=event, changed=False, message=_already(event))
    # No second read: stop_paging keeps the instance as it leaves the row ("ack all" of a
    # thousand events must fit in one task's Q_TIMEOUT).
    logger.info(
        "event %s acknowledged by %s via %s", event.pk, name, via, extra={"event_id": str(event.pk)}
    )
    return AckResult(event=event, changed=True, message=f"acknowledged by {name} via {via}")


def resolve(
    *,
    event: Event,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    source: Source | None = None,
    via: str,
    at: datetime,
    outside: str = "",
    reason: str = "",
) -> AckResult:
    """Refused (nothing changes) when the one acting may not act on `event`. `reason` ("declined")
    is said with it: "resolved by alice via sms (declined)"."""
    check_may_act(event=event, by=by, user=user, source=source, outside=outside, via=via)
    name = who(by=by, user=user, source=source, outside=outside)
    said = f"resolved by {name} via {via}" + (f" ({reason})" if reason else "")
    with transaction.atomic():
        # Which state it leaves matters: from `triggered`, people were still being paged and
        # are told; from `acknowledged`, they were already told once.
        was = None
        for status in (Event.Status.TRIGGERED, Event.Status.ACKNOWLEDGED):
            if Event.objects.filter(pk=event.pk, status=status).update(
                status=Event.Status.RESOLVED,
                closed_at=at,
                closed_by=by,
                closed_by_name=name,
                closed_via=via,
                updated_at=at,
            ):
                was = status
                break
        won = was is not None
        if won:
            append_timeline(
                event=event,
                at=at,
                kind=TimelineEntry.Kind.RESOLVED,
                person=by,
                channel=via,
                detail=said,
            )
            event.refresh_from_db()
            stop_paging(
                event=event,
                message=said,
                tell=was == Event.Status.TRIGGERED,
                actor=by,
                at=at,
            )
    event.refresh_from_db()
    if won:
        return AckResult(event=event, changed=True, message=said)
    return AckResult(event=event, changed=False, message=_already(event))


def decline(
    *,
    event: Event,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    via: str,
    at: datetime,
) -> AckResult:
    """The aggregator won't take part: the event is resolved with the reason "declined" (from
    triggered or acknowledged), and its VTN, if it came from one, is told optOut. Refused
    (nothing changes) when the one acting may not act on `event`."""
    with transaction.atomic():
        result = resolve(event=event, by=by, user=user, via=via, at=at, reason="declined")
        if result.changed:
            owe_answer(event=event, opt=Opt.OUT, reason=OptAnswer.Reason.DECLINED, at=at)
    return result


def add_note(
    *,
    event: Event,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    text: str,
    via: str,
    at: datetime,
) -> TimelineEntry:
    """A note on the event's timeline ("called the site: curtailing 10 MW by 14:05"), in any
    state, and in the thread of the event's page in each Slack channel that has it, so the
    channel reads it too; Refused when the one writing may not act on `event`."""
    check_may_act(event=event, by=by, user=user)
    said = f"{who(by=by, user=user)}: {text}"
    with transaction.atomic():
        notifications.post_in_threads(reference=str(event.pk), text=f"Note from {said}")
        return append_timeline(
            event=event, at=at, kind=TimelineEntry.Kind.NOTE, person=by, channel=via, detail=said
        )


def act_as_sender(
    *, source: Source, external_id: str, action: Literal["acknowledge", "resolve"], at: datetime
) -> AckResult | None:
    """The source acknowledges or resolves its own event `external_id` (PagerDuty's
    `acknowledge`/`resolve` by dedup_key). None for an id it never sent: like PagerDuty, that
    is not an error, and nothing changes."""
    event = source.events.filter(external_id=external_id).first()
    if event is None:
        return None
    act = acknowledge if action == "acknowledge" else resolve
    return act(event=event, by=None, source=source, via="api", at=at)


def _already(event: Event) -> str:
    if event.status == Event.Status.ACKNOWLEDGED:
        return f"already acknowledged by {event.acknowledged_by_name} via {event.acknowledged_via}"
    if event.status in Event.CLOSED:
        return f"already {event.status} by {event.closed_by_name} via {event.closed_via}"
    return f"not acknowledged: the event is {event.status}"
