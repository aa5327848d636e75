"""Writes of the edrops app. Keyword-only, typed; views, tasks and commands call these."""

from edrops.models import NOTE_MAX, SNOOZE_MAX_MINUTES
from edrops.services.acknowledgement import (
    AckResult,
    acknowledge,
    act_as_sender,
    add_note,
    check_may_act,
    decline,
    resolve,
    who,
)
from edrops.services.api_lockout import record_api_auth_failure
from edrops.services.api_tokens import create_api_token
from edrops.services.controls import (
    Conflict,
    escalate_now,
    reassign,
    snooze,
)
from edrops.services.ingest import (
    EventInput,
    IngestResult,
    default_respond_by,
    ingest,
    ingest_all,
    input_errors,
)
from edrops.services.manual_pages import BadPage, page_by_hand
from edrops.services.processes import (
    STALE_CHECK_IN,
    check_in,
    ping_dead_mans_switch,
    process_name,
)
from edrops.services.rate_limit import RateDecision, take_rate_limit_slot
from edrops.services.rejections import (
    count_unauthenticated,
    prune_rejected,
    raise_bad_messages_alarm_if_due,
    reject,
)
from edrops.services.roster_file import (
    CheckedRoster,
    LoadedRoster,
    SourceChange,
    check_roster_file,
    check_roster_sources,
    load_roster_file,
    load_roster_sources,
)
from edrops.services.silence import Life, rearm, record_life
from edrops.services.silence_alarms import raise_silence_alarms
from edrops.services.sources import VtnSettings, connect_vtn, rotate_token, upsert_source
from edrops.services.tallies import count_received
from edrops.services.timeline import append_timeline
from rosters.columns import Unstorable

__all__ = [
    "NOTE_MAX",
    "SNOOZE_MAX_MINUTES",
    "STALE_CHECK_IN",
    "AckResult",
    "BadPage",
    "CheckedRoster",
    "Conflict",
    "EventInput",
    "IngestResult",
    "Life",
    "LoadedRoster",
    "RateDecision",
    "SourceChange",
    "Unstorable",
    "VtnSettings",
    "acknowledge",
    "act_as_sender",
    "add_note",
    "append_timeline",
    "check_in",
    "check_may_act",
    "check_roster_file",
    "check_roster_sources",
    "connect_vtn",
    "count_received",
    "count_unauthenticated",
    "create_api_token",
    "decline",
    "default_respond_by",
    "escalate_now",
    "ingest",
    "ingest_all",
    "input_errors",
    "load_roster_file",
    "load_roster_sources",
    "page_by_hand",
    "ping_dead_mans_switch",
    "process_name",
    "prune_rejected",
    "raise_bad_messages_alarm_if_due",
    "raise_silence_alarms",
    "rearm",
    "reassign",
    "record_api_auth_failure",
    "record_life",
    "reject",
    "resolve",
    "rotate_token",
    "snooze",
    "take_rate_limit_slot",
    "upsert_source",
    "who",
]
