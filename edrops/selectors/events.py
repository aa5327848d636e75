"""Reads about events. The timeline is read in one place (`timeline`): the event's own entries
and the delivery records of every message about it are merged here, not in every caller."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Min, Prefetch, QuerySet

from edrops.models import Event, EventRevision, RejectedMessage
from notifications import selectors as notifications

# `status=` filters of GET /api/v1/events.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": Event.OPEN,
    "triggered": (Event.Status.TRIGGERED,),
    "acknowledged": (Event.Status.ACKNOWLEDGED,),
    "closed": Event.CLOSED,
}


def event_list(*, status: str | None = None) -> QuerySet[Event]:
    """Newest first; `status` is one of STATUS_FILTERS."""
    events = Event.objects.select_related(
        "source", "team", "acknowledged_by", "maintenance", "assigned_to"
    ).order_by("-created_at", "-id")
    if status:
        events = events.filter(status__in=STATUS_FILTERS[status])
    return events


def event_with_history(*, event_id) -> Event | None:
    """The event with its revisions (oldest first) prefetched; its timeline via `timeline`."""
    return (
        Event.objects.select_related(
            "source", "team", "acknowledged_by", "closed_by", "maintenance", "assigned_to"
        )
        .prefetch_related(
            Prefetch("revisions", queryset=EventRevision.objects.order_by("revision"))
        )
        .filter(pk=event_id)
        .first()
    )


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # API.md §4: received, revised, notified, delivered, failed, escalated, ...
    person: str | None  # handle
    channel: str
    detail: str


def timeline(*, event: Event) -> list[TimelineItem]:
    """Everything that happened to the event, oldest first: what edrops did (received,
    escalated, acknowledged, ...) and what became of each page (notified, delivered, failed,
    suppressed). Two queries."""
    own = [
        TimelineItem(e.at, e.kind, e.person.handle if e.person else None, e.channel, e.detail)
        for e in event.timeline.select_related("person").order_by("at", "id")
    ]
    delivery = [
        TimelineItem(e.at, e.kind, e.person, e.channel, e.detail)
        for e in notifications.timeline(reference=str(event.pk))
    ]
    # Stable sort: at the same instant, edrops' own entry ("escalated") comes before the
    # pages it caused.
    return sorted(own + delivery, key=lambda item: item.at)


def next_step_due(*, after: datetime) -> datetime | None:
    """When the next armed escalation step falls due (for the clock's sleep)."""
    return Event.objects.filter(
        status=Event.Status.TRIGGERED, step_queued_at__isnull=True, next_step_at__gt=after
    ).aggregate(next=Min("next_step_at"))["next"]


def next_wake_due(*, after: datetime) -> datetime | None:
    """When the next acknowledged event wakes up (a snooze ends, a dispatch acknowledged
    before its start starts; services/wakeups.py), for the clock's sleep."""
    waiting = Event.objects.filter(status=Event.Status.ACKNOWLEDGED, wake_queued_at__isnull=True)
    snooze = waiting.filter(wake_at__gt=after).aggregate(next=Min("wake_at"))["next"]
    start = waiting.filter(
        starts_at__gt=after, acknowledged_at__lt=F("starts_at"), team__repage_at_start=True
    ).aggregate(next=Min("starts_at"))["next"]
    return min(filter(None, [snooze, start]), default=None)


def rejected_messages() -> QuerySet[RejectedMessage]:
    return RejectedMessage.objects.select_related("source").order_by("-received_at", "-id")
