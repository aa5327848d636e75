"""Source silence: a source that goes quiet raises one event for its team; its next sign of
life resolves it. This file keeps each source's deadline; `silence_alarms.py` is the clock's
part, raising the alarm when a deadline passes.

A dispatch feed that dies looks exactly like a quiet day, so each monitored source proves it is
alive every `heartbeat_interval`. The state lives on the Source row:

- `last_heartbeat_at`: the last sign of life (a heartbeat, or an event when
  `events_count_as_life`).
- `heartbeat_due_at`: when the source is declared silent, i.e. (last life, or the moment
  monitoring started) + interval + grace. It is the only column the clock reads (a partial
  index holds only armed monitors). Empty while the monitor is off, and once the current outage
  has raised its alarm: that is what makes one outage one alarm.
- `heartbeat_alarm`: the outage's event, until the source is heard again. A person may resolve
  it earlier; the source still counts as silent until it speaks.

The alarms are apart from this file because `ingest` calls `record_life` for every accepted
event, and the alarms are raised through `ingest`.
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


def rearm(*, source: Source, was_monitored: bool, now: datetime) -> None:
    """After the heartbeat interval or grace changed (or the source was created): set the
    deadline for the new settings.

    A monitor switched on (or a new source) counts from now, so it never alarms before its
    first interval. A changed interval counts from the last heartbeat, as it would have had
    it been set so all along. An outage that already alarmed stays one outage: no new deadline
    until the source is heard again."""
    if source.heartbeat_interval is None or source.heartbeat_alarm_id is not None:
        due = None
    elif was_monitored and source.last_heartbeat_at is not None:
        due = deadline_after(source, source.last_heartbeat_at)
    else:
        due = deadline_after(source, now)
    source.heartbeat_due_at = due
    Source.objects.filter(pk=source.pk).update(heartbeat_due_at=due)


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
