"""The process's Prometheus counters, defined once here (prometheus_client keeps them in the
process; the /metrics route that exposes them is another issue's)."""

from prometheus_client import Counter

INGEST_UNAUTHENTICATED = Counter(
    "edrops_ingest_unauthenticated_total",
    "Requests to an ingest endpoint without a valid source token or routing_key; their bodies "
    "are not kept.",
    ["endpoint"],
)
