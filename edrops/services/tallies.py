"""Adding to the counters and histograms of /metrics (edrops/metrics.py names them). Each is a
few rows of `Tally` added to in the caller's transaction, so every process and node counts
into the same numbers and /metrics agrees whichever process answers it."""

import random
from collections import Counter
from collections.abc import Iterable

from edrops import metrics
from edrops.db import Addition, add
from edrops.models import Source, Tally


def addition(metric: str, *, value: float = 1.0, **labels: str) -> Addition:
    row = Tally(
        metric=metric,
        labels=metrics.labels_key(**labels),
        shard=random.randrange(Tally.SHARDS),  # noqa: S311 -- spreads writers, not a secret
        value=value,
    )
    return Addition(row=row, key=("metric", "labels", "shard"), amount="value")


def received(*, source: Source | None, integration: str, outcome: int, n: int = 1) -> Addition:
    """`n` more of `edrops_events_received_total{source,integration,outcome}`; `source` None
    (empty) when the sender wasn't identified."""
    return addition(
        metrics.EVENTS_RECEIVED,
        value=n,
        source=source.name if source else "",
        integration=integration,
        outcome=str(outcome),
    )


def observation(histogram: metrics.Histogram, seconds: float) -> list[Addition]:
    return observations(histogram, [seconds])


def observations(histogram: metrics.Histogram, seconds: Iterable[float]) -> list[Addition]:
    """Any number of observations as one addition a bucket they fall in, and one to the sum."""
    per_bucket: Counter = Counter()
    total = 0.0
    for value in seconds:
        value = max(0.0, value)
        per_bucket[histogram.le(value)] += 1
        total += value
    if not per_bucket:
        return []
    return [
        *(addition(f"{histogram.name}_bucket", value=n, le=le) for le, n in per_bucket.items()),
        addition(f"{histogram.name}_sum", value=total),
    ]


def count_received(*, source: Source | None, integration: str, outcome: int, n: int = 1) -> None:
    add([received(source=source, integration=integration, outcome=outcome, n=n)])


def observe(histogram: metrics.Histogram, *, seconds: float) -> None:
    add(observation(histogram, seconds))
