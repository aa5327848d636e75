from edrops.models.coverage import CoverageCheck, CoverageGap, HandoffReminder
from edrops.models.events import (
    NOTE_MAX,
    OUR_ID_PREFIX,
    SNOOZE_MAX_MINUTES,
    Event,
    EventRevision,
    Integration,
    RejectedMessage,
    SenderStatus,
    TimelineEntry,
)
from edrops.models.forwards import ForwardAnswer
from edrops.models.lockouts import ApiAuthFailures
from edrops.models.maintenance import MaintenanceMode, MaintenanceWindow
from edrops.models.metrics import Tally
from edrops.models.openadr import Opt, OptAnswer, Vtn
from edrops.models.processes import ProcessCheckIn
from edrops.models.sources import RateLimitState, Severity, Source

__all__ = [
    "NOTE_MAX",
    "OUR_ID_PREFIX",
    "SNOOZE_MAX_MINUTES",
    "ApiAuthFailures",
    "CoverageCheck",
    "CoverageGap",
    "Event",
    "EventRevision",
    "ForwardAnswer",
    "HandoffReminder",
    "Integration",
    "MaintenanceMode",
    "MaintenanceWindow",
    "Opt",
    "OptAnswer",
    "ProcessCheckIn",
    "RateLimitState",
    "RejectedMessage",
    "SenderStatus",
    "Severity",
    "Source",
    "Tally",
    "TimelineEntry",
    "Vtn",
]
