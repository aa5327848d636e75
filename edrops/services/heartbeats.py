"""Heartbeats: a source that goes quiet raises one event for its team; its next sign of life
resolves it.

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
"""

import logging
from datetime import datetime

from edrops.models import Event, Integration, Source
from edrops.services.ingest import EventInput, ingest
from edrops.services.life import deadline_after, deadline_from
from notifications import queue
from notifications.rendering import duration, local_time

logger = logging.getLogger(__name__)

CLAIM_BATCH = 100
SILENT_EXTERNAL_ID = "edrops:silent:"


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


def raise_silence_alarms(*, now: datetime) -> int:
    """The clock's part: every monitored source whose deadline has passed raises one event for
    its team. Each source is handed out in a transaction of its own: the claim (its deadline
    cleared), the alarm raised through `ingest` and its first escalation step commit together,
    and one broken source doesn't stop the others' alarms. Returns how many were raised."""
    _arm_unarmed(now=now)
    return queue.hand_out(
        Source.objects.filter(heartbeat_due_at__lte=now, heartbeat_interval__isnull=False),
        order_by="heartbeat_due_at",
        fields=("heartbeat_due_at",),
        stamp={"heartbeat_due_at": None},
        then=lambda row: _raise_alarm(source_id=row[0], deadline=row[1], now=now),
        each_alone=True,
        batch=CLAIM_BATCH,
    )


def _arm_unarmed(*, now: datetime) -> None:
    """A monitored source with no deadline and no outage was saved without `rearm` (straight
    through the ORM, or its alarm event was deleted): arm it from now rather than never."""
    Source.objects.filter(
        heartbeat_interval__isnull=False,
        heartbeat_due_at__isnull=True,
        heartbeat_alarm__isnull=True,
    ).update(heartbeat_due_at=deadline_from(now))


def _raise_alarm(*, source_id: int, deadline: datetime, now: datetime) -> Event:
    source = Source.objects.select_related("team").get(pk=source_id)
    # Silent since the last heartbeat, or, never heard, since monitoring started.
    since = source.last_heartbeat_at or (
        deadline - source.heartbeat_interval - source.heartbeat_grace
    )
    team = source.team
    summary = (
        f"{source.name} silent since {local_time(since, tz=team.tz, now=now)} "
        f"(no heartbeat for {duration(now - since)})"
    )
    facts = {
        "silent_since": since.isoformat(),
        "last_heartbeat_at": source.last_heartbeat_at.isoformat()
        if source.last_heartbeat_at
        else None,
        "deadline": deadline.isoformat(),
        "interval_seconds": source.heartbeat_interval.total_seconds(),
        "grace_seconds": source.heartbeat_grace.total_seconds(),
    }
    result = ingest(
        source=source,
        data=EventInput(
            # One outage, one id: a second claim of the same outage would be a redelivery.
            external_id=f"{SILENT_EXTERNAL_ID}{since.isoformat()}",
            summary=summary,
            severity=source.heartbeat_severity,
            integration=Integration.EDROPS,
            body={"summary": summary, **facts},
            details=facts,
        ),
        now=now,
    )
    logger.warning("%s (deadline %s, %s late)", summary, deadline, now - deadline)
    Source.objects.filter(pk=source.pk).update(heartbeat_alarm=result.event)
    return result.event
