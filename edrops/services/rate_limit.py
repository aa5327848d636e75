"""Per-source rate limit, shared by every web process because it lives in the database."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, FloatField, Value
from django.db.models.functions import Greatest

from edrops.models import Source

# A source may send a whole minute's allowance at once, then at its steady rate.
BURST_SECONDS = 60.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: float = 0.0  # seconds


def take_rate_limit_slot(*, source: Source, now: datetime) -> RateDecision:
    """GCRA in one conditional UPDATE: a request is allowed while the source's theoretical
    arrival time is no further ahead of now than the burst allows; allowing it advances that
    time by one interval. Autocommitted, outside the event's transaction, so a burst of one
    source serialises only on this one short statement."""
    if source.rate_limit == 0:
        return RateDecision(allowed=True)
    interval = 60.0 / source.rate_limit
    t = now.timestamp()
    latest_allowed = t + BURST_SECONDS - interval
    allowed = Source.objects.filter(pk=source.pk, rate_limit_tat__lte=latest_allowed).update(
        rate_limit_tat=Greatest(F("rate_limit_tat"), Value(t, output_field=FloatField()))
        + Value(interval, output_field=FloatField())
    )
    if allowed:
        return RateDecision(allowed=True)
    tat = Source.objects.filter(pk=source.pk).values_list("rate_limit_tat", flat=True).first()
    return RateDecision(allowed=False, retry_after=max((tat or 0.0) - latest_allowed, 0.0))
