"""Counters every process adds to, so that /metrics says the same whichever process answers.

prometheus_client keeps its counters in the process: behind gunicorn each worker would answer
with its own share, and a restart would lose it. These rows are the counters instead (events
received by outcome, pages by outcome, the histograms' buckets), and the /metrics collector
sums them at scrape time (edrops/metrics.py).
"""

from django.db import models


class Tally(models.Model):
    """One shard of one series: `metric` with its `labels`, as canonical JSON.

    A series is split in SHARDS rows, each add picking one at random, so that concurrent
    requests adding to the same series rarely wait for each other's row lock; the series is
    their sum. UNLOGGED on PostgreSQL (see the migration), like the rate limiter: added to on
    every request, so its commits skip the WAL; a crash resets the counters to zero, which
    Prometheus reads as a restart (`rate()` and `increase()` handle it)."""

    SHARDS = 8

    metric = models.CharField(max_length=64)
    labels = models.CharField(max_length=512, blank=True, help_text="canonical JSON")
    shard = models.PositiveSmallIntegerField()
    value = models.FloatField(default=0.0)

    class Meta:
        verbose_name_plural = "tallies"
        constraints = [
            models.UniqueConstraint(fields=["metric", "labels", "shard"], name="tally_series_shard")
        ]

    def __str__(self) -> str:
        return f"{self.metric}{self.labels} [{self.shard}] = {self.value:g}"
