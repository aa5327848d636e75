"""Reads about events. The timeline is read in one place (`timeline`) so that later sources of
entries (per-notification delivery records) are merged in here, not in every caller."""

from django.db.models import Prefetch, QuerySet

from edrops.models import Event, EventRevision, RejectedMessage, TimelineEntry

# `status=` filters of GET /api/v1/events.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": Event.OPEN,
    "triggered": (Event.Status.TRIGGERED,),
    "acknowledged": (Event.Status.ACKNOWLEDGED,),
    "closed": Event.CLOSED,
}


def event_list(*, status: str | None = None) -> QuerySet[Event]:
    """Newest first; `status` is one of STATUS_FILTERS."""
    events = Event.objects.select_related("source", "team", "acknowledged_by").order_by(
        "-created_at", "-id"
    )
    if status:
        events = events.filter(status__in=STATUS_FILTERS[status])
    return events


def event_with_history(*, event_id) -> Event | None:
    """The event with its revisions (oldest first) prefetched; its timeline via `timeline`."""
    return (
        Event.objects.select_related("source", "team", "acknowledged_by", "closed_by")
        .prefetch_related(
            Prefetch("revisions", queryset=EventRevision.objects.order_by("revision"))
        )
        .filter(pk=event_id)
        .first()
    )


def timeline(*, event: Event) -> list[TimelineEntry]:
    """Everything that happened to the event, oldest first."""
    return list(event.timeline.select_related("person").order_by("at", "id"))


def rejected_messages() -> QuerySet[RejectedMessage]:
    return RejectedMessage.objects.select_related("source").order_by("-received_at", "-id")
