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

from django.db import transaction

from edrops.models import Event, Integration, Source
from edrops.services.ingest import EventInput, ingest
from edrops.services.life import deadline_after, deadline_from
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
    its team. Each source is claimed under its row lock (SKIP LOCKED on PostgreSQL: a source
    another clock is busy with is left to it), re-checked, and its alarm raised through
    `ingest` in the same transaction, so the event, its first escalation step and the claim
    commit together. Returns how many alarms were raised."""
    _arm_unarmed(now=now)
    expired = Source.objects.filter(heartbeat_due_at__lte=now, heartbeat_interval__isnull=False)
    candidates = list(
        expired.order_by("heartbeat_due_at").values_list("pk", flat=True)[:CLAIM_BATCH]
    )
    raised = 0
    for pk in candidates:
        try:
            raised += _claim_and_raise(expired.filter(pk=pk), now=now)
        except Exception:
            # Rolled back: the source stays due and is tried again next tick. One broken
            # source must not stop the others' alarms (nor the rest of the tick).
            logger.exception("could not raise the silence alarm of source %s", pk)
    return raised


@transaction.atomic
def _claim_and_raise(expired, *, now: datetime) -> int:
    source = (
        expired.select_for_update(skip_locked=True, of=("self",)).select_related("team").first()
    )
    if source is None:
        return 0  # another clock has it, or the source was heard in the meantime
    alarm = _raise_alarm(source=source, now=now)
    Source.objects.filter(pk=source.pk).update(heartbeat_due_at=None, heartbeat_alarm=alarm)
    return 1


def _arm_unarmed(*, now: datetime) -> None:
    """A monitored source with no deadline and no outage was saved without `rearm` (straight
    through the ORM, or its alarm event was deleted): arm it from now rather than never."""
    Source.objects.filter(
        heartbeat_interval__isnull=False,
        heartbeat_due_at__isnull=True,
        heartbeat_alarm__isnull=True,
    ).update(heartbeat_due_at=deadline_from(now))


def _raise_alarm(*, source: Source, now: datetime) -> Event:
    deadline = source.heartbeat_due_at
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
    return result.event
