from edrops.models.coverage import CoverageCheck, CoverageGap, HandoffReminder
from edrops.models.events import (
    OUR_ID_PREFIX,
    Event,
    EventRevision,
    Integration,
    RejectedMessage,
    SenderStatus,
    TimelineEntry,
)
from edrops.models.lockouts import ApiAuthFailures
from edrops.models.metrics import Tally
from edrops.models.processes import ProcessCheckIn
from edrops.models.sources import RateLimitState, Severity, Source

__all__ = [
    "OUR_ID_PREFIX",
    "ApiAuthFailures",
    "CoverageCheck",
    "CoverageGap",
    "Event",
    "EventRevision",
    "HandoffReminder",
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
