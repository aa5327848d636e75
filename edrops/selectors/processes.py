"""Our own processes, read: can this deployment page someone now (/readyz), and, for the
dashboard's banner, is every feed alive too?"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Max

from edrops.models import ProcessCheckIn, Vtn
from edrops.selectors.silence import HeartbeatState, SourceHealth, source_health


@dataclass(frozen=True)
class Readiness:
    database: bool
    last_seen: dict[str, datetime | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.missing


def readiness(*, now: datetime) -> Readiness:
    """Can edrops page someone right now? The database answers, and a worker and a clock (and,
    when a source reads a VTN, a ven process) checked in within LIVENESS_TIMEOUT."""
    try:
        # Also the check that the database answers: one query, not two.
        any_vtn = Vtn.objects.exists()
        seen = dict(
            ProcessCheckIn.objects.values_list("role").annotate(Max("last_seen")).order_by()
        )
    except DatabaseError:
        return Readiness(database=False, missing=["database", "worker", "clock"])

    cutoff = now - timedelta(seconds=settings.LIVENESS_TIMEOUT)
    last_seen = {role: seen.get(role) for role in _needed_roles(any_vtn=any_vtn)}
    missing = [role for role, at in last_seen.items() if at is None or at < cutoff]
    return Readiness(database=True, last_seen=last_seen, missing=missing)


def _needed_roles(*, any_vtn: bool) -> list[str]:
    """Workers and a clock always; a ven process once any source reads a VTN."""
    roles = [ProcessCheckIn.Role.WORKER, ProcessCheckIn.Role.CLOCK]
    if any_vtn:
        roles.append(ProcessCheckIn.Role.VEN)
    return [str(role) for role in roles]


@dataclass(frozen=True)
class SystemHealth:
    database: bool
    last_seen: dict[str, datetime | None]  # worker / clock: the latest check-in
    missing: list[str]  # what was not seen within LIVENESS_TIMEOUT ("worker", "clock")
    sources: list[SourceHealth] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not any(s.state == HeartbeatState.SILENT for s in self.sources)


def system_health(*, now: datetime) -> SystemHealth:
    """Can edrops page (worker, clock, database), and is every feed alive: three queries."""
    ready = readiness(now=now)
    return SystemHealth(
        database=ready.database,
        last_seen=ready.last_seen,
        missing=ready.missing,
        sources=source_health(now=now) if ready.database else [],
    )
