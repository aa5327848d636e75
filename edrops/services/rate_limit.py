"""Per-source rate limit, shared by every web process because it lives in the database."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from edrops.models import RateLimitState, Source

_TABLE = connection.ops.quote_name(RateLimitState._meta.db_table)
# A source may send a whole minute's allowance at once, then at its steady rate.
BURST_SECONDS = 60.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: float = 0.0  # seconds


def take_rate_limit_slot(*, source: Source, now: datetime, cost: int = 1) -> RateDecision:
    """GCRA in one conditional UPDATE: a request is allowed while the source's theoretical
    arrival time is no further ahead of now than the burst allows; allowing it advances that
    time by one interval per slot. Autocommitted, outside the event's transaction, so a burst
    of one source serialises only on this one short statement.

    `cost` slots are taken at once or not at all (an Alertmanager request takes one per
    alert). A cost above a minute's allowance takes the whole allowance: such a request waits
    for a full one instead of never fitting."""
    if source.rate_limit == 0:
        return RateDecision(allowed=True)
    interval = 60.0 / source.rate_limit
    step = interval * min(max(cost, 1), source.rate_limit)
    t = now.timestamp()
    latest_allowed = t + BURST_SECONDS - step
    if _advance(source=source, t=t, step=step, latest_allowed=latest_allowed):
        return RateDecision(allowed=True)
    tat = _tat(source)
    if tat is None or tat <= latest_allowed:
        # The limiter row did not exist when we updated (the source's first requests; a
        # concurrent one may have created it since): make sure it exists and try once more.
        RateLimitState.objects.get_or_create(source=source)
        if _advance(source=source, t=t, step=step, latest_allowed=latest_allowed):
            return RateDecision(allowed=True)
        tat = _tat(source) or t
    return RateDecision(allowed=False, retry_after=max(tat - latest_allowed, interval))


def _tat(source: Source) -> float | None:
    return RateLimitState.objects.filter(source=source).values_list("tat", flat=True).first()


def _advance(*, source: Source, t: float, step: float, latest_allowed: float) -> bool:
    # Plain SQL: this runs on every request, and the ORM's compiling costs more than the UPDATE.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET tat = (CASE WHEN tat > %s THEN tat ELSE %s END) + %s"  # noqa: S608
            " WHERE source_id = %s AND tat <= %s",
            [t, t, step, source.pk, latest_allowed],
        )
        return cursor.rowcount == 1
