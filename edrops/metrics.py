"""What /metrics exposes, named once: the counters and histograms every process adds to in the
database (edrops/services/tallies.py writes them, edrops/exposition.py reads them) and the
gauges read at scrape time. docs/API.md §7 is the list operators rely on."""

import json
import math
from dataclasses import dataclass

from prometheus_client.utils import floatToGoString

# Counters (stored without the `_total` that exposition adds back).
EVENTS_RECEIVED = "edrops_events_received"
INGEST_UNAUTHENTICATED = "edrops_ingest_unauthenticated"
PAGES = "edrops_pages"


@dataclass(frozen=True)
class Histogram:
    """A histogram kept as one tally per bucket (not cumulative: an observation adds 1 to the
    first bucket that holds it) and one for the sum; exposition adds the buckets up."""

    name: str
    documentation: str
    buckets: tuple[float, ...]  # upper bounds, ascending; +Inf is implied

    def le(self, seconds: float) -> str:
        """The `le` label of the bucket an observation of `seconds` goes in."""
        bound = next((b for b in self.buckets if seconds <= b), math.inf)
        return floatToGoString(bound)

    @property
    def les(self) -> list[str]:
        return [floatToGoString(b) for b in (*self.buckets, math.inf)]


# Minutes matter for people; for our own machinery, fractions of a second do.
_PEOPLE = (5, 10, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200)
_MACHINERY = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)

FIRST_PAGE = Histogram(
    "edrops_first_page_seconds",
    "From an event's arrival to its first page reaching a provider.",
    (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
)
ACKNOWLEDGE = Histogram(
    "edrops_acknowledge_seconds",
    "From an event's arrival to its acknowledgement.",
    _PEOPLE,
)
STEP_LATENESS = Histogram(
    "edrops_step_lateness_seconds",
    "How long after it fell due an escalation step ran (the first step: after the event arrived).",
    _MACHINERY,
)
HEARTBEAT_LATENESS = Histogram(
    "edrops_heartbeat_lateness_seconds",
    "How long after a source's heartbeat deadline its silence alarm was raised.",
    _MACHINERY,
)
HISTOGRAMS = (FIRST_PAGE, ACKNOWLEDGE, STEP_LATENESS, HEARTBEAT_LATENESS)


def labels_key(**labels: str) -> str:
    """A series' labels as stored: canonical JSON, so the same labels are the same row."""
    return json.dumps({k: str(v) for k, v in labels.items()}, sort_keys=True, separators=(",", ":"))


def labels_of(key: str) -> dict[str, str]:
    return json.loads(key) if key else {}
