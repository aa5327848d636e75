"""The event's timeline: one entry per thing that happened to it."""

from datetime import datetime

from edrops.models import Event, TimelineEntry
from rosters.models import Person


def append_timeline(
    *,
    event: Event,
    at: datetime,
    kind: TimelineEntry.Kind,
    detail: str = "",
    person: Person | None = None,
    channel: str = "",
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        event=event,
        at=at,
        kind=kind,
        detail=detail[:1024],
        person=person,
        channel=channel if channel in TimelineEntry.Channel.values else "",
    )
