"""Reads of the edrops app."""

from edrops.selectors.events import (
    STATUS_FILTERS,
    event_list,
    event_with_history,
    next_step_due,
    rejected_messages,
    timeline,
)
from edrops.selectors.liveness import Readiness, readiness
from edrops.selectors.sources import source_for_token

__all__ = [
    "STATUS_FILTERS",
    "Readiness",
    "event_list",
    "event_with_history",
    "next_step_due",
    "readiness",
    "rejected_messages",
    "source_for_token",
    "timeline",
]
