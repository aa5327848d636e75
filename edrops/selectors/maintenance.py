"""Maintenance windows, read: which one covers an event or a source's heartbeat now (one query
on the ingest path, the few candidates' RRULEs evaluated in memory), and the active and
upcoming ones for the API, the dashboard and the board."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from edrops.models import MaintenanceMode, MaintenanceWindow, Source
from edrops.recurrence import Occurrence, Series, series


@dataclass(frozen=True)
class Covered:
    """A window on at a moment, and its occurrence that is on (when it ends)."""

    window: MaintenanceWindow
    occurrence: Occurrence


@dataclass(frozen=True)
class WindowState:
    window: MaintenanceWindow
    active: Occurrence | None  # the occurrence on now
    next: Occurrence | None  # the one after it (or the first one to come)

    @property
    def shown(self) -> Occurrence | None:
        """The occurrence to show: the one on now, else the next."""
        return self.active or self.next


def series_of(window: MaintenanceWindow) -> Series:
    return series(
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        rule=window.rrule,
        zone=window.time_zone,
    )


def _not_over(now: datetime) -> Q:
    """Begun or not, and not yet over: its last occurrence (or its early end) is after `now`."""
    return Q(series_ends_at__isnull=True) | Q(series_ends_at__gt=now)


def _begun(now: datetime) -> Q:
    return Q(starts_at__lte=now) & _not_over(now)


def _matching(*, market: str, program: str, severity: str) -> Q:
    """Matcher windows whose every given field equals the event's (an empty one matches
    anything; one with none given matches nothing)."""
    return (
        Q(source__isnull=True, team__isnull=True)
        & ~Q(match_market="", match_program="", match_severity="")
        & (Q(match_market="") | Q(match_market=market))
        & (Q(match_program="") | Q(match_program=program))
        & (Q(match_severity="") | Q(match_severity=severity))
    )


def _first_on(windows: QuerySet[MaintenanceWindow], now: datetime) -> Covered | None:
    """Of `windows`, the one on at `now` that holds back the most: silent before Slack only,
    then the one that ends last."""
    on = []
    for window in windows:
        if occurrence := series_of(window).covering(now):
            on.append(Covered(window, occurrence))
    if not on:
        return None
    return max(on, key=lambda c: (c.window.mode == MaintenanceMode.SILENT, c.occurrence.ends_at))


def covering_event(
    *,
    source_id: int,
    team_id: int,
    market: str,
    program: str,
    severity: str,
    now: datetime,
) -> Covered | None:
    """The window an event arriving now falls in: one for its source, its team, or matching
    its market, program and severity. One query (the ingest path)."""
    scope = (
        Q(source_id=source_id)
        | Q(team_id=team_id)
        | _matching(market=market, program=program, severity=severity)
    )
    return _first_on(MaintenanceWindow.objects.filter(_begun(now), scope), now)


def covering_source(*, source: Source, now: datetime) -> Covered | None:
    """The window that keeps a source's silence from alarming now: one for the source, or for
    its team (matcher windows are about events, not feeds)."""
    scope = Q(source=source) | Q(team_id=source.team_id)
    return _first_on(MaintenanceWindow.objects.filter(_begun(now), scope), now)


def active_and_upcoming(*, now: datetime) -> list[WindowState]:
    """Every window that is on now or will be, the active ones first, then by the next start."""
    windows = MaintenanceWindow.objects.filter(_not_over(now)).select_related(
        "source", "team", "created_by"
    )
    states = []
    for window in windows:
        times = series_of(window)
        active = times.covering(now)
        following = times.next_after(active.starts_at if active else now)
        if active or following:
            states.append(WindowState(window, active, following))
    return sorted(states, key=lambda s: (s.active is None, s.shown.starts_at, s.window.pk))


def window_state(*, window: MaintenanceWindow, now: datetime) -> WindowState:
    times = series_of(window)
    over = window.series_ends_at is not None and window.series_ends_at <= now
    active = None if over else times.covering(now)
    following = None if over else times.next_after(active.starts_at if active else now)
    return WindowState(window, active, following)


def covered_sources(*, windows: list[WindowState]) -> set[str]:
    """The names of the sources whose heartbeats the active ones of `windows` cover (the board
    marks them): at most one query."""
    on = [s.window for s in windows if s.active]
    teams = [w.team_id for w in on if w.team_id]
    names = {w.source.name for w in on if w.source_id}
    if teams:
        names |= set(Source.objects.filter(team_id__in=teams).values_list("name", flat=True))
    return names
