"""The clock's part of source silence (the deadlines are kept in `silence.py`): every
monitored source whose deadline has passed raises one event for its team, through `ingest`,
so a silent feed pages like any dispatch.
"""

import logging
from datetime import datetime

from edrops import metrics
from edrops.models import OUR_ID_PREFIX, Event, Integration, Source
from edrops.selectors.maintenance import covering_source
from edrops.services import tallies
from edrops.services.ingest import EventInput, ingest
from edrops.services.silence import deadline_from
from notifications import queue
from notifications.rendering import duration, local_time

logger = logging.getLogger(__name__)

CLAIM_BATCH = 100
SILENT_EXTERNAL_ID = f"{OUR_ID_PREFIX}silent:"


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


def _raise_alarm(*, source_id: int, deadline: datetime, now: datetime) -> Event | None:
    source = Source.objects.select_related("team").get(pk=source_id)
    if (held := covering_source(source=source, now=now)) is not None:
        # Planned maintenance: no alarm now, but look again when the window ends (the clock
        # wakes for it); a source still silent then alarms at once.
        Source.objects.filter(pk=source.pk).update(heartbeat_due_at=held.occurrence.ends_at)
        logger.info(
            "%s past its deadline %s during maintenance window #%s: no alarm before %s",
            source,
            deadline,
            held.window.pk,
            held.occurrence.ends_at,
        )
        return None
    # Silent since the last heartbeat, or, never heard, since monitoring started (or since it
    # was created: a maintenance window may have moved the deadline on).
    since = source.last_heartbeat_at or min(
        deadline - source.heartbeat_interval - source.heartbeat_grace, source.created_at
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
    tallies.observe(metrics.HEARTBEAT_LATENESS, seconds=(now - deadline).total_seconds())
    logger.warning("%s (deadline %s, %s late)", summary, deadline, now - deadline)
    Source.objects.filter(pk=source.pk).update(heartbeat_alarm=result.event)
    return result.event
