"""What /metrics reads at scrape time (edrops/exposition.py writes it out): the tallies every
process adds to, and the gauges read from the tables they describe. Seven queries, whatever
the size of the database: each is an aggregate over a small table or an index of the live rows."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Sum

from edrops.models import Event, ProcessCheckIn, Source, Tally
from edrops.selectors.silence import HeartbeatState, with_heartbeat_state
from notifications import queue
from notifications.models import Notification

NOTIFICATION_STATES = (
    Notification.State.PENDING,
    Notification.State.SENDING,
    Notification.State.FAILED,
)


def tallies() -> dict[str, dict[str, float]]:
    """metric -> labels (canonical JSON) -> the sum of its shards."""
    sums: dict[str, dict[str, float]] = defaultdict(dict)
    rows = Tally.objects.values_list("metric", "labels").annotate(total=Sum("value")).order_by()
    for metric, labels, total in rows:
        sums[metric][labels] = total
    return sums


@dataclass(frozen=True)
class Gauges:
    open_events: dict[str, int]  # triggered / acknowledged
    notifications: dict[str, int]  # pending / sending / failed
    queue_tasks: int
    queue_oldest_seconds: float  # 0 when nothing waits
    last_check_in_seconds: dict[str, float | None]  # worker / clock; None: never seen
    sources_silent: dict[str, bool]  # monitored sources by name: silent by their heartbeat


def gauges(*, now: datetime) -> Gauges:
    open_events = dict(
        Event.objects.filter(status__in=Event.OPEN)
        .values_list("status")
        .annotate(n=Count("*"))
        .order_by()
    )
    notifications = dict(
        Notification.objects.filter(state__in=NOTIFICATION_STATES)
        .values_list("state")
        .annotate(n=Count("*"))
        .order_by()
    )
    tasks, oldest = queue.waiting(now=now)
    seen = dict(ProcessCheckIn.objects.values_list("role").annotate(Max("last_seen")).order_by())
    monitored = with_heartbeat_state(
        Source.objects.filter(heartbeat_interval__isnull=False), now=now
    )
    return Gauges(
        open_events={state: open_events.get(state, 0) for state in Event.OPEN},
        notifications={state: notifications.get(state, 0) for state in NOTIFICATION_STATES},
        queue_tasks=tasks,
        queue_oldest_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        last_check_in_seconds={
            role: (now - seen[role]).total_seconds() if role in seen else None
            for role in ProcessCheckIn.Role.values
        },
        sources_silent={
            name: state == HeartbeatState.SILENT
            for name, state in monitored.values_list("name", "heartbeat_state")
        },
    )
