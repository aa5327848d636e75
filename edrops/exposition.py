"""GET /metrics: the Prometheus text format, every figure read from the database at scrape time
(edrops/selectors/metrics.py), so every web process and node answers the same.

Not prometheus_client's multiprocess mode: that one sums the files of the processes on one
machine, so two nodes still disagree, and a counter dies with its node's disk. The counters
and histograms are rows every process adds to (`Tally`); the gauges are counts of the rows
they describe. This process's own figures (CPU, memory, GC) are left out: behind gunicorn
each scrape would read a different worker's."""

import json
import math

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from rest_framework.views import APIView

from edrops import metrics
from edrops.ops_access import OpsEndpoint
from edrops.selectors import metrics as read

COUNTERS = (
    (
        metrics.EVENTS_RECEIVED,
        "Messages from sources by outcome, the HTTP status: 202 and 200 count each event (an "
        "Alertmanager alert is one), 429 the events refused, 400 and 401 the requests. "
        "`source` is empty when the sender wasn't identified.",
        ("source", "integration", "outcome"),
    ),
    (
        metrics.INGEST_UNAUTHENTICATED,
        "Requests to a source's endpoint without a valid token or routing_key (not kept).",
        ("endpoint",),
    ),
    (
        metrics.PAGES,
        "Pages and bundles: sent (reached the provider), then delivered or failed when the "
        "provider says; failed also counts those that never reached it.",
        ("channel", "outcome"),
    ),
)


class DatabaseCollector(Collector):
    def describe(self) -> list:
        return []  # nothing to read at registration: the database may not be there yet

    def collect(self):
        now = timezone.now()
        sums = read.tallies()
        for name, documentation, labels in COUNTERS:
            family = CounterMetricFamily(name, documentation, labels=labels)
            for key, value in sorted(sums.get(name, {}).items()):
                series = metrics.labels_of(key)
                family.add_metric([series.get(label, "") for label in labels], value)
            yield family
        for histogram in metrics.HISTOGRAMS:
            yield _histogram(histogram, sums)
        yield from _gauges(read.gauges(now=now))


def _histogram(histogram: metrics.Histogram, sums) -> HistogramMetricFamily:
    per_bucket = {
        json.loads(key)["le"]: value
        for key, value in sums.get(f"{histogram.name}_bucket", {}).items()
    }
    buckets, total = [], 0.0
    for le in histogram.les:
        total += per_bucket.get(le, 0.0)
        buckets.append((le, total))
    sum_value = sum(sums.get(f"{histogram.name}_sum", {}).values())
    return HistogramMetricFamily(
        histogram.name, histogram.documentation, buckets=buckets, sum_value=sum_value
    )


def _gauges(g: read.Gauges):
    family = GaugeMetricFamily("edrops_open_events", "Open events by state.", labels=["state"])
    for state, n in g.open_events.items():
        family.add_metric([state], n)
    yield family
    family = GaugeMetricFamily(
        "edrops_notifications",
        "Messages waiting to go (pending), going (sending), and that failed for good.",
        labels=["state"],
    )
    for state, n in g.notifications.items():
        family.add_metric([state], n)
    yield family
    yield GaugeMetricFamily(
        "edrops_queue_tasks", "Tasks waiting for a worker.", value=g.queue_tasks
    )
    yield GaugeMetricFamily(
        "edrops_queue_oldest_task_seconds",
        "How long the oldest task waiting for a worker has waited (0: none waits).",
        value=g.queue_oldest_seconds,
    )
    family = GaugeMetricFamily(
        "edrops_process_last_checkin_seconds",
        "Seconds since a worker (a clock) last checked in; +Inf when none ever did.",
        labels=["role"],
    )
    for role, seconds in g.last_check_in_seconds.items():
        family.add_metric([role], math.inf if seconds is None else seconds)
    yield family
    family = GaugeMetricFamily(
        "edrops_source_silent",
        "1 while a source with a heartbeat monitor is silent (its deadline passed), else 0.",
        labels=["source"],
    )
    for source, silent in sorted(g.sources_silent.items()):
        family.add_metric([source], 1 if silent else 0)
    yield family


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(DatabaseCollector())


class MetricsView(APIView):
    """Prometheus text format (docs/API.md §7)."""

    permission_classes = [OpsEndpoint]

    @extend_schema(exclude=True)
    def get(self, request):
        return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
