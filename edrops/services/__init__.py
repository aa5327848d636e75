"""Writes of the edrops app. Keyword-only, typed; views, tasks and commands call these."""

from edrops.services.acknowledgement import AckResult, acknowledge, resolve, who
from edrops.services.ingest import (
    EventInput,
    IngestResult,
    default_respond_by,
    ingest,
)
from edrops.services.liveness import STALE_CHECK_IN, check_in, process_name
from edrops.services.rate_limit import RateDecision, take_rate_limit_slot
from edrops.services.rejections import raise_bad_messages_alarm_if_due, reject
from edrops.services.sources import (
    SourceChange,
    load_roster_sources,
    rotate_token,
    upsert_source,
)
from edrops.services.timeline import append_timeline

__all__ = [
    "STALE_CHECK_IN",
    "AckResult",
    "EventInput",
    "IngestResult",
    "RateDecision",
    "SourceChange",
    "acknowledge",
    "append_timeline",
    "check_in",
    "default_respond_by",
    "ingest",
    "load_roster_sources",
    "process_name",
    "raise_bad_messages_alarm_if_due",
    "reject",
    "resolve",
    "rotate_token",
    "take_rate_limit_slot",
    "upsert_source",
    "who",
]
