"""Acknowledged events that page again by themselves: a snooze that is over (`wake_at`), and a
dispatch acknowledged before its start that is still unresolved when it starts (`starts_at`,
for teams with `repage_at_start`, the default). Either goes back to `triggered` and pages from
step 1, with a `retriggered` entry on its timeline saying why.

The same mechanism as escalation steps: the clock claims what is due by compare-and-set
(`queue.hand_out`, stamping `wake_queued_at`) and queues a task; the task locks the event,
checks it is still due, and acts. All of it lives in the database, so a snooze survives any
process restart, and a task lost with its worker is queued again (`queue.lost_before`).

The start needs no field of its own: "acknowledged before it started, and it has started" is
read from `acknowledged_at` and `starts_at`, so a revision that moves the start moves the
re-page, and an acknowledgement after the start (the re-page's own) ends it."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django_q.tasks import async_task

from edrops.models import Event, TimelineEntry
from edrops.services import escalation
from edrops.services.controls import retrigger
from edrops.services.timeline import append_timeline
from notifications import queue
from rosters.models import Team

log = logging.getLogger(__name__)

WAKE_TASK = "edrops.tasks.wake_event"


def snooze_over(*, now: datetime) -> Q:
    return Q(wake_at__lte=now)


def dispatch_started(*, now: datetime) -> Q:
    # A subquery, not a join: the clock's claim locks the rows it reads (FOR UPDATE), and
    # must not lock teams.
    repaging = Team.objects.filter(repage_at_start=True).values("pk")
    return Q(starts_at__lte=now, acknowledged_at__lt=F("starts_at"), team__in=repaging)


def due_to_wake(*, now: datetime) -> Q:
    return Q(status=Event.Status.ACKNOWLEDGED) & (snooze_over(now=now) | dispatch_started(now=now))


def claim_due_wakeups(*, now: datetime) -> int:
    """The clock's part: queue the wake-up of every acknowledged event that is due, once,
    however many clocks run; again when its task was lost."""
    unclaimed = Q(wake_queued_at__isnull=True) | Q(wake_queued_at__lt=queue.lost_before(now=now))
    return queue.hand_out(
        Event.objects.filter(unclaimed).filter(due_to_wake(now=now)),
        order_by="acknowledged_at",
        stamp={"wake_queued_at": now},
        then=lambda row: async_task(WAKE_TASK, str(row[0]), task_name=f"wake {row[0]}"),
    )


@transaction.atomic
def wake(*, event_id: str, now: datetime) -> str:
    """The wake-up task's body: triggered again and paged from step 1, if still due."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return "the event is gone"
    if event.status != Event.Status.ACKNOWLEDGED:
        return f"not waking: the event is {event.status}"
    if Event.objects.filter(dispatch_started(now=now), pk=event.pk).exists():
        local = event.starts_at.astimezone(event.team.tz)
        why = (
            f"the dispatch starts at {local:%H:%M %Z} and is still unresolved "
            f"(acknowledged by {event.acknowledged_by_name})"
        )
    elif event.wake_at is not None and event.wake_at <= now:
        why = f"the snooze is over (acknowledged by {event.acknowledged_by_name})"
    else:
        # Snoozed again for longer since the claim: the clock claims it again then.
        Event.objects.filter(pk=event.pk).update(wake_queued_at=None)
        return "not due any more"
    retrigger(event, now=now)
    escalation.arm_first_step(event=event, now=now)
    event.save()
    append_timeline(
        event=event,
        at=now,
        kind=TimelineEntry.Kind.RETRIGGERED,
        detail=f"triggered again: {why}; paging from step 1",
    )
    escalation.queue_step(event=event)
    log.info("event %s triggered again: %s", event.pk, why, extra={"event_id": str(event.pk)})
    return f"triggered again: {why}"
