"""Messages we answered 400: kept for a human, and one alarm when a source keeps sending them."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from edrops import metrics
from edrops.db import add
from edrops.models import OUR_ID_PREFIX, Event, Integration, RejectedMessage, Severity, Source
from edrops.services import tallies
from edrops.services.ingest import EventInput, ingest

logger = logging.getLogger(__name__)

BAD_MESSAGES_EXTERNAL_ID = f"{OUR_ID_PREFIX}rejected-messages"
BAD_MESSAGES_THRESHOLD = 3
BAD_MESSAGES_WINDOW = timedelta(minutes=10)

# Pruning needs no second's precision: each clock looks once a minute.
PRUNE_EVERY = timedelta(minutes=1)
# Deleted a batch at a time, each its own short statement, so a big backlog (the first prune
# after a flood, or after REJECTED_RETENTION was shortened) never holds a long lock; at most
# PRUNE_BATCHES a minute, so the tick stays short and the rest goes in the minutes after.
PRUNE_BATCH = 1000
PRUNE_BATCHES = 10


def reject(
    *,
    source: Source | None,
    endpoint: str,
    body: bytes,
    content_type: str,
    errors: Any,
    now: datetime,
) -> RejectedMessage:
    """Keep the message as it arrived (bytes, even when not UTF-8), then tell the source's team
    once if this source has been sending bad messages for a while."""
    rejected = RejectedMessage.objects.create(
        source=source,
        endpoint=endpoint[:255],
        received_at=now,
        errors=errors,
        raw_body=body,
        content_type=content_type[:255],
    )
    logger.warning("rejected a message from %s at %s: %s", source, endpoint, errors)
    if source is not None:
        raise_bad_messages_alarm_if_due(source=source, now=now)
    return rejected


def count_unauthenticated(
    *, endpoint: str, remote_addr: str, integration: str | None = None, outcome: int = 401
) -> None:
    """A body from a sender we don't know (no token, an unknown one, no routing_key) is not
    kept: anyone could fill the disk with them. One log line, without the body, and a counter
    say that it happened (two, when the endpoint receives events of an `integration`: it is
    also an event received from nobody we know, answered `outcome`)."""
    counted = [tallies.addition(metrics.INGEST_UNAUTHENTICATED, endpoint=endpoint[:255])]
    if integration is not None:
        counted.append(tallies.received(source=None, integration=integration, outcome=outcome))
    add(counted)
    logger.warning("unauthenticated request to %s from %s; body not kept", endpoint, remote_addr)


def raise_bad_messages_alarm_if_due(*, source: Source, now: datetime) -> Event | None:
    """One event for the source's team once it has sent BAD_MESSAGES_THRESHOLD bad messages
    within BAD_MESSAGES_WINDOW; while that event is open, more bad messages add nothing."""
    recent = RejectedMessage.objects.filter(
        source=source, received_at__gt=now - BAD_MESSAGES_WINDOW
    ).count()
    if recent < BAD_MESSAGES_THRESHOLD:
        return None
    alarm_is_open = Event.objects.filter(
        source=source, external_id=BAD_MESSAGES_EXTERNAL_ID, status__in=Event.OPEN
    ).exists()
    if alarm_is_open:
        return None
    minutes = int(BAD_MESSAGES_WINDOW.total_seconds() // 60)
    summary = (
        f"integration {source.name} is sending bad messages ({recent} rejected in {minutes} min)"
    )
    result = ingest(
        source=source,
        data=EventInput(
            external_id=BAD_MESSAGES_EXTERNAL_ID,
            summary=summary,
            severity=Severity.HIGH,
            integration=Integration.EDROPS,
            body={"summary": summary, "rejected_in_window": recent},
            details={"rejected_in_window": recent, "see": "/api/v1/rejected"},
        ),
        now=now,
    )
    return result.event


class _Pruning:
    """Per clock process: when rejected messages are next looked at."""

    next_at: datetime | None = None


_pruning = _Pruning()


def prune_rejected(*, now: datetime) -> int:
    """Delete rejected messages older than REJECTED_RETENTION seconds (0: keep them forever),
    at most once a minute per clock; returns how many went. Costs the tick a comparison most
    seconds, and once a minute an indexed read of the oldest."""
    retention = settings.REJECTED_RETENTION
    if not retention or (_pruning.next_at is not None and now < _pruning.next_at):
        return 0
    _pruning.next_at = now + PRUNE_EVERY
    expired = RejectedMessage.objects.filter(received_at__lt=now - timedelta(seconds=retention))
    deleted = 0
    for _ in range(PRUNE_BATCHES):
        batch = list(expired.order_by("received_at").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            break
        deleted += RejectedMessage.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < PRUNE_BATCH:
            break
    if deleted:
        logger.info(
            "pruned %d rejected messages older than %s", deleted, now - timedelta(seconds=retention)
        )
    return deleted
