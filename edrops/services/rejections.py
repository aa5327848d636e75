"""Messages we answered 400: kept for a human, and one alarm when a source keeps sending them."""

import logging
from datetime import datetime, timedelta
from typing import Any

from edrops import metrics
from edrops.models import Event, Integration, RejectedMessage, Severity, Source
from edrops.services.ingest import EventInput, ingest

logger = logging.getLogger(__name__)

BAD_MESSAGES_EXTERNAL_ID = "edrops:rejected-messages"
BAD_MESSAGES_THRESHOLD = 3
BAD_MESSAGES_WINDOW = timedelta(minutes=10)


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


def count_unauthenticated(*, endpoint: str, remote_addr: str) -> None:
    """A body from a sender we don't know (no token, an unknown one, no routing_key) is not
    kept: anyone could fill the disk with them. One log line, without the body, and a counter
    say that it happened."""
    metrics.INGEST_UNAUTHENTICATED.labels(endpoint=endpoint).inc()
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
