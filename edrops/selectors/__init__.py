"""Reads of the edrops app."""

from edrops.selectors import maintenance
from edrops.selectors.events import (
    STATUS_FILTERS,
    event_list,
    event_with_history,
    next_step_due,
    next_wake_due,
    rejected_messages,
    timeline,
)
from edrops.selectors.processes import Readiness, SystemHealth, readiness, system_health
from edrops.selectors.silence import (
    HeartbeatState,
    SourceHealth,
    next_silence_due,
    source_health,
    with_heartbeat_state,
)
from edrops.selectors.sources import source_for_token

__all__ = [
    "STATUS_FILTERS",
    "HeartbeatState",
    "Readiness",
    "SourceHealth",
    "SystemHealth",
    "event_list",
    "event_with_history",
    "maintenance",
    "next_silence_due",
    "next_step_due",
    "next_wake_due",
    "readiness",
    "rejected_messages",
    "source_for_token",
    "source_health",
    "system_health",
    "timeline",
    "with_heartbeat_state",
]
