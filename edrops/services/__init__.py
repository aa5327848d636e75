"""Writes of the edrops app. Keyword-only, typed; views, tasks and commands call these."""

from edrops.services.acknowledgement import AckResult, acknowledge, act_as_sender, resolve, who
from edrops.services.heartbeats import raise_silence_alarms, rearm
from edrops.services.ingest import (
    EventInput,
    IngestResult,
    default_respond_by,
    ingest,
    ingest_all,
    input_errors,
)
from edrops.services.life import Life, record_life
from edrops.services.liveness import STALE_CHECK_IN, check_in, process_name
from edrops.services.rate_limit import RateDecision, take_rate_limit_slot
from edrops.services.rejections import (
    count_unauthenticated,
    prune_rejected,
    raise_bad_messages_alarm_if_due,
    reject,
)
from edrops.services.self_monitoring import ping_dead_mans_switch
from edrops.services.sources import (
    SourceChange,
    load_roster_sources,
    rotate_token,
    upsert_source,
)
from edrops.services.timeline import append_timeline
from rosters.columns import Unstorable

__all__ = [
    "STALE_CHECK_IN",
    "AckResult",
    "EventInput",
    "IngestResult",
    "Life",
    "RateDecision",
    "SourceChange",
    "Unstorable",
    "acknowledge",
    "act_as_sender",
    "append_timeline",
    "check_in",
    "count_unauthenticated",
    "default_respond_by",
    "ingest",
    "ingest_all",
    "input_errors",
    "load_roster_sources",
    "ping_dead_mans_switch",
    "process_name",
    "prune_rejected",
    "raise_bad_messages_alarm_if_due",
    "raise_silence_alarms",
    "rearm",
    "record_life",
    "reject",
    "resolve",
    "rotate_token",
    "take_rate_limit_slot",
    "upsert_source",
    "who",
]
