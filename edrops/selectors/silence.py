"""Source silence, read: how each source's heartbeat stands (for the dashboard, the admin and
the clock's sleep), in a constant number of queries, whatever the number of sources."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    TextChoices,
    Value,
    When,
)

from edrops.models import Source


class HeartbeatState(TextChoices):
    OK = "ok", "ok"
    LATE = "late", "late (in its grace period)"
    SILENT = "silent", "silent"
    OFF = "off", "off"
    WAITING = "waiting-for-first", "waiting for the first heartbeat"


def with_heartbeat_state(sources: QuerySet[Source], *, now: datetime) -> QuerySet[Source]:
    """Annotate `heartbeat_state`, computed by the database so the admin can filter on it.

    silent: its outage alarmed, or its deadline has passed (the alarm is a tick away);
    late: the interval is over and it is in its grace period; waiting-for-first: monitored,
    never heard; ok: heard within its interval; off: no monitor."""
    grace_starts_by = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) + F("heartbeat_grace"),
        output_field=DateTimeField(),
    )
    return sources.annotate(
        heartbeat_state=Case(
            When(heartbeat_interval__isnull=True, then=Value(HeartbeatState.OFF)),
            When(
                Q(heartbeat_alarm__isnull=False) | Q(heartbeat_due_at__lte=now),
                then=Value(HeartbeatState.SILENT),
            ),
            When(heartbeat_due_at__lte=grace_starts_by, then=Value(HeartbeatState.LATE)),
            When(last_heartbeat_at__isnull=True, then=Value(HeartbeatState.WAITING)),
            default=Value(HeartbeatState.OK),
            output_field=CharField(),
        )
    )


def next_silence_due(*, after: datetime) -> datetime | None:
    """When the next armed heartbeat deadline passes (for the clock's sleep, so the alarm is
    raised at the deadline rather than on the next whole second)."""
    return Source.objects.filter(
        heartbeat_due_at__gt=after, heartbeat_interval__isnull=False
    ).aggregate(next=Min("heartbeat_due_at"))["next"]


@dataclass(frozen=True)
class SourceHealth:
    name: str
    team: str  # slug
    monitoring: bool
    last_heartbeat_at: datetime | None
    next_due: datetime | None  # declared silent at this moment without a heartbeat
    state: HeartbeatState
    alarm_id: str | None  # the open outage's event
    late_at: datetime | None = None  # late (in its grace period) from this moment


def source_health(*, now: datetime) -> list[SourceHealth]:
    """Every source's heartbeat, by name: one query."""
    sources = with_heartbeat_state(Source.objects.select_related("team"), now=now)
    return [
        SourceHealth(
            name=source.name,
            team=source.team.slug,
            monitoring=source.heartbeat_interval is not None,
            last_heartbeat_at=source.last_heartbeat_at,
            next_due=source.heartbeat_due_at,
            state=HeartbeatState(source.heartbeat_state),
            alarm_id=str(source.heartbeat_alarm_id) if source.heartbeat_alarm_id else None,
            late_at=source.heartbeat_due_at - source.heartbeat_grace
            if source.heartbeat_due_at
            else None,
        )
        for source in sources.order_by("name")
    ]
