"""Reads for the dashboard: a page of events in a fixed number of queries, whatever the
number of events in the database, and the viewer's time zone."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import F, OuterRef, QuerySet, Subquery

from edrops import permissions
from edrops.models import Event, MaintenanceMode, TimelineEntry
from rosters.models import Person

OPEN_LIMIT = 200  # a wall screen shows this many open events; more is a count, not rows
RECENT_CLOSED = 20
MAINTENANCE_SHOWN = 6  # windows on the board's banner; the Maintenance page has them all
TZ_COOKIE = "tz"  # the browser's zone (Intl API), set by dashboard.js


@dataclass(frozen=True)
class Board:
    open: list[Event]
    open_total: int
    closed: list[Event]


# What the board shows of an event, and what its escalation stage is read from: a row of the
# board is built from 250 open events, and loading the rest of their columns (the dispatch's
# details and resources, every timestamp of the escalation) was a third of its cost.
# A row names its team by slug (`team_slug`), without a Team made for each row.
BOARD_FIELDS = (
    "id", "external_id", "integration", "status", "test", "summary", "market", "program",
    "mw", "location", "created_at", "respond_by", "team_id", "maintenance__name",
    "maintenance__mode", "maintenance_mode", "policy", "step_index", "pass_index",
    "next_step_at", "last_step_at", "exhausted_at", "paging", "acknowledged_at",
    "acknowledged_by_name", "acknowledged_via", "closed_at", "closed_by_name", "closed_via",
)  # fmt: skip


def _events(actor: permissions.Actor) -> QuerySet[Event]:
    return permissions.visible(
        actor=actor,
        events=Event.objects.select_related("maintenance")
        .only(*BOARD_FIELDS)
        .annotate(team_slug=F("team__slug")),
    )


def board(*, actor: permissions.Actor) -> Board:
    """The events `actor` may read: open ones oldest first (test dispatches after the live ones,
    a group of their own), then the recently closed ones, newest first; three queries.

    Open events keep their place while they change (by received time, never re-sorted by
    state), so the row under the cursor doesn't move when another event is acknowledged; a
    new one is added at the end. Served by the `event_status_newest` and
    `event_recently_closed` indexes."""
    opened = (
        _events(actor)
        .filter(status__in=Event.OPEN)
        .annotate(unreachable=_latest_unreachable())
        .order_by("test", "created_at", "id")
    )
    rows = list(opened[: OPEN_LIMIT + 1])
    total = len(rows) if len(rows) <= OPEN_LIMIT else opened.count()
    closed = (
        _events(actor)
        .filter(status__in=Event.CLOSED, closed_at__isnull=False)
        .order_by("-closed_at", "-id")[:RECENT_CLOSED]
    )
    return Board(open=rows[:OPEN_LIMIT], open_total=total, closed=list(closed))


def _latest_unreachable() -> Subquery:
    """The newest "alice could not be reached by any contact method (...)" on the event's
    timeline: a page nobody got, shown on its row (in the same query, for the open rows)."""
    return Subquery(
        TimelineEntry.objects.filter(event=OuterRef("pk"), kind=TimelineEntry.Kind.UNREACHABLE)
        .order_by("-at", "-id")
        .values("detail")[:1]
    )


@dataclass(frozen=True)
class Stage:
    """Where an event's escalation stands, in words: "step 2 of 3 (pass 1 of 2)"."""

    label: str
    paging: list[str]  # handles the last step paged
    over: bool = False  # every step ran: nobody is being paged any more


def escalation_stage(event: Event) -> Stage:
    """From the event's own fields (no query). (step_index, pass_index) is the NEXT step, so
    the one that ran last is the one before it."""
    steps = (event.policy or {}).get("steps") or []
    repeat = int((event.policy or {}).get("repeat") or 0)
    if (event.policy or {}).get("outbox"):  # rosters.selectors.default_test_policy
        return Stage("test: posted to Slack and the outbox only", [], over=True)
    if event.last_step_at is None:
        # No step has run, so no snapshot either (it comes with the first step).
        if event.maintenance_mode == MaintenanceMode.SILENT and event.next_step_at is None:
            if event.status != Event.Status.TRIGGERED:
                return Stage("held by maintenance: nobody was paged", [], over=True)
            return Stage("held by maintenance: nobody paged unless escalated", [])
        if event.status != Event.Status.TRIGGERED:
            return Stage("nobody was paged", [], over=True)
        return Stage("step 1 due", [])
    if not steps:
        return Stage("no escalation policy", list(event.paging))
    if event.exhausted_at is not None:
        label = (
            "every step ran, nobody acknowledged"
            if event.status == Event.Status.TRIGGERED
            else "stopped after every step had run"
        )
        return Stage(label, list(event.paging), over=True)
    step, pass_ = event.step_index - 1, event.pass_index
    if step < 0:
        step, pass_ = len(steps) - 1, pass_ - 1
    label = f"step {step + 1} of {len(steps)}"
    if repeat:
        label += f" (pass {pass_ + 1} of {repeat + 1})"
    if event.status != Event.Status.TRIGGERED:
        return Stage(f"stopped at {label}", list(event.paging), over=True)
    return Stage(label, list(event.paging))


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # a cookie is the browser's word: a bad one falls through


def viewer_zone(
    *, person: Person | None, team_zone: str | None = None, browser_zone: str | None = None
) -> ZoneInfo:
    """The viewer's linked Person's zone, else the team's (on a team's page), else the
    browser's, else UTC."""
    for name in (person.timezone if person else None, team_zone, browser_zone):
        zone = _zone(name)
        if zone is not None:
            return zone
    return ZoneInfo("UTC")


def mw(value: Decimal | None) -> str:
    """12.500 -> '12.5', 100 -> '100': as the dispatch said it."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def since(at: datetime, now: datetime) -> str:
    """'4 min', '2 h 5 min', '3 d' — how long ago, short enough for a phone."""
    seconds = max(0, int((now - at).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} d"


# The snooze form's choices, in minutes.
SNOOZE_CHOICES = (15, 30, 60, 120, 240)


def controls_context(*, actor: permissions.Actor) -> dict:
    """What the event page's reassign and snooze forms offer."""
    return {
        "reassign_teams": list(permissions.pageable_teams(actor=actor)),
        "reassign_people": list(Person.objects.order_by("name", "handle")),
        "snooze_choices": SNOOZE_CHOICES,
    }
