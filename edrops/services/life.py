"""A sign of life from a source: a heartbeat, or an event when `events_count_as_life`.

Kept apart from the alarm side (heartbeats.py) because `ingest` calls it for every accepted
event, and the alarm side raises its events through `ingest`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Value

from edrops.models import Event, Source, TimelineEntry
from edrops.services.acknowledgement import resolve
from edrops.services.timeline import append_timeline
from notifications.rendering import duration

logger = logging.getLogger(__name__)

# Life moves `last_heartbeat_at` only when it is this much newer: a busy source's events then
# cost one small UPDATE a second, not one per event.
LIFE_RESOLUTION = timedelta(seconds=1)
VIA_HEARTBEAT = "heartbeat"


@dataclass(frozen=True)
class Life:
    """What a sign of life did."""

    next_due: datetime | None  # when the source is declared silent without another; None: off
    ended_outage: Event | None = None  # the alarm this ended (resolved), if it was silent


def deadline_from(now: datetime) -> ExpressionWrapper:
    # NULL while the monitor is off: NULL + anything is NULL, in SQL as in Django's SQLite
    # functions, so one expression arms monitored sources and leaves the others off.
    return ExpressionWrapper(
        Value(now, output_field=DateTimeField()) + F("heartbeat_interval") + F("heartbeat_grace"),
        output_field=DateTimeField(),
    )


def deadline_after(source: Source, base: datetime) -> datetime | None:
    if source.heartbeat_interval is None:
        return None
    return base + source.heartbeat_interval + source.heartbeat_grace


def record_life(*, source: Source, now: datetime) -> Life:
    """The source is alive at `now`: push its deadline back, and end its outage if it was silent.

    The common case is one conditional UPDATE, and no query at all when the source was heard
    less than LIFE_RESOLUTION ago (so it is cheap enough for every accepted event). `source` is the
    row as authentication read it (or its process's cached copy, which this keeps up to date);
    the UPDATE's condition, not that read, decides."""
    heard_just_now = source.last_heartbeat_at and source.last_heartbeat_at >= now - LIFE_RESOLUTION
    if heard_just_now and source.heartbeat_alarm_id is None:
        # No query at all: this copy recorded life under a second ago, and no deadline can
        # pass within a second of a sign of life, so no alarm can have been raised since.
        return Life(next_due=source.heartbeat_due_at)
    # Only forward, but whenever it is forward: several processes (and threads) each learn
    # about life through their own copy of the source, and one that finds a row moved a moment
    # ago by another should not fall to the locking path below.
    earlier = Q(last_heartbeat_at__isnull=True) | Q(last_heartbeat_at__lt=now)
    moved = Source.objects.filter(earlier, pk=source.pk, heartbeat_alarm__isnull=True).update(
        last_heartbeat_at=now, heartbeat_due_at=deadline_from(now)
    )
    if moved:
        source.last_heartbeat_at = now
        source.heartbeat_due_at = deadline_after(source, now)
        return Life(next_due=source.heartbeat_due_at)
    # In an outage, or the row changed since it was read (the clock may have just raised the
    # alarm, another request may have just recorded a later life): decide under the row lock.
    return _end_outage(source=source, now=now)


def _end_outage(*, source: Source, now: datetime) -> Life:
    with transaction.atomic():
        locked = (
            Source.objects.select_for_update(of=("self",))
            .select_related("heartbeat_alarm")
            .get(pk=source.pk)
        )
        alarm = locked.heartbeat_alarm
        if (
            alarm is None
            and locked.last_heartbeat_at
            and locked.last_heartbeat_at >= now - (LIFE_RESOLUTION)
        ):
            # Another request recorded this life (and ended any outage) a moment ago.
            _copy_state(locked, source)
            return Life(next_due=locked.heartbeat_due_at)
        silent_since = _silent_since(alarm) if alarm else None
        locked.last_heartbeat_at = now
        locked.heartbeat_due_at = deadline_after(locked, now)
        locked.heartbeat_alarm = None
        locked.save(update_fields=["last_heartbeat_at", "heartbeat_due_at", "heartbeat_alarm"])
        _copy_state(locked, source)
        if alarm is None:
            return Life(next_due=locked.heartbeat_due_at)
        silence = duration(now - silent_since)
        append_timeline(
            event=alarm,
            at=now,
            kind=TimelineEntry.Kind.RECEIVED,
            detail=f"heartbeat back after {silence} of silence",
        )
        # A person may have resolved it already; then this only says when the source came back.
        resolve(event=alarm, by=None, source=locked, via=VIA_HEARTBEAT, at=now)
    logger.info("%s heard again after %s of silence; %s resolved", source, silence, alarm.pk)
    return Life(next_due=locked.heartbeat_due_at, ended_outage=alarm)


def _copy_state(locked: Source, source: Source) -> None:
    source.last_heartbeat_at = locked.last_heartbeat_at
    source.heartbeat_due_at = locked.heartbeat_due_at
    source.heartbeat_alarm_id = locked.heartbeat_alarm_id


def _silent_since(alarm: Event) -> datetime:
    since = alarm.details.get("silent_since")
    return datetime.fromisoformat(since) if since else alarm.created_at
