from edrops.models.events import (
    Event,
    EventRevision,
    Integration,
    RejectedMessage,
    SenderStatus,
    TimelineEntry,
)
from edrops.models.metrics import Tally
from edrops.models.processes import ProcessCheckIn
from edrops.models.sources import RateLimitState, Severity, Source

__all__ = [
    "Event",
    "EventRevision",
    "Integration",
    "ProcessCheckIn",
    "RateLimitState",
    "RejectedMessage",
    "SenderStatus",
    "Severity",
    "Source",
    "Tally",
    "TimelineEntry",
]
