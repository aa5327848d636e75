"""A page nobody got: every contact rule of a person failed (invalid number, a call not
answered, Slack refusing the message). `notifications` finds it and hands it up
(NOTIFICATIONS_UNDELIVERABLE_TASK); the event's timeline records it, for the event page and the
API, and the team's Slack channel is told while the event waits for an answer."""

import logging
import uuid
from datetime import datetime, timedelta

from django.db import transaction

from edrops.models import Event, TimelineEntry
from edrops.services.page_text import described
from edrops.services.timeline import append_timeline
from notifications import services as notifications
from rosters.models import Person

log = logging.getLogger(__name__)

# The team's channel hears that a person can't be reached once in this long: in a storm, a
# thousand events that can't reach alice are one alarm in the channel (each event's timeline
# still says so), not a thousand.
NOTICE_EVERY = timedelta(minutes=15)


@transaction.atomic
def person_unreachable(
    *, person_id: int, reference: str, failures: list[tuple[str, str]], now: datetime
) -> TimelineEntry | None:
    """Record that the person could not be reached about the event `reference` names, with how
    each channel failed, and tell the team's channel if the event is still unanswered. None
    when `reference` is not an event."""
    try:
        event = Event.objects.select_related("team").filter(pk=uuid.UUID(reference)).first()
    except ValueError:
        event = None
    if event is None:
        log.warning("person %s unreachable about %r, which is no event", person_id, reference)
        return None
    person = Person.objects.filter(pk=person_id).first()
    who = person.handle if person else f"person #{person_id}"
    how = "; ".join(f"{channel}: {why}" for channel, why in failures)
    detail = f"{who} could not be reached by any contact method ({how})"
    entry = append_timeline(
        event=event, at=now, kind=TimelineEntry.Kind.UNREACHABLE, person=person, detail=detail
    )
    if event.status != Event.Status.TRIGGERED:
        return entry  # answered meanwhile: someone has it, nobody needs alarming
    if not event.team.slack_channel:
        log.error("%s; %s has no Slack channel to tell", detail, event.team)
        return entry
    log.warning("%s about %s", detail, event.pk)
    told = TimelineEntry.objects.filter(
        kind=TimelineEntry.Kind.UNREACHABLE,
        person_id=person_id,
        event__team=event.team,
        at__gt=now - NOTICE_EVERY,
    ).exclude(pk=entry.pk)
    if told.exists():
        return entry
    notifications.send_channel_notice(
        slack_channel=event.team.slack_channel,
        text=(
            f"{detail} about {described(event=event, now=now)}. It is still open: {event.summary}"
        ),
        reference=str(event.pk),
    )
    return entry
