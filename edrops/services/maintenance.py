"""Maintenance windows, written: plan one, end one early, hold an arriving event back, and
page a held event after all.

How a window acts (the reads are `selectors/maintenance.py`):
- ingest asks `selectors.covering_event` for each new (or reopened) event; in a `silent` window
  the event is recorded with a `suppressed` entry and nothing armed: it stays triggered, on
  the board, and pages only when someone starts it (`start_paging`, e.g. "escalate"). In a
  `slack` window it escalates as usual, its steps paging on Slack only (services/escalation.py).
- the clock, when a covered source's heartbeat deadline passes, moves the deadline to the
  occurrence's end instead of raising the alarm (services/silence_alarms.py); at that end it
  looks again, and a source still silent alarms then. Ending a window early (or editing it)
  brings those deadlines back (`_release_sources`), so the next tick alarms.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from edrops import permissions
from edrops.models import Event, MaintenanceMode, MaintenanceWindow, Source, TimelineEntry
from edrops.recurrence import MAX_LENGTH, RuleError, check_rule
from edrops.selectors.maintenance import Covered, series_of
from edrops.services import escalation
from edrops.services.silence import deadline_after
from edrops.services.timeline import append_timeline
from notifications.rendering import local_time
from rosters.models import Team
from rosters.validators import within_years

logger = logging.getLogger(__name__)


class InvalidWindow(Exception):
    """A window we won't plan: `errors` by field, in words, for a 400 or the form."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


@dataclass(frozen=True)
class WindowInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    source: Source | None = None
    team: Team | None = None
    match: dict[str, str] = field(default_factory=dict)  # market, program, severity
    rrule: str = ""
    time_zone: str = "UTC"


def window_errors(*, data: WindowInput, now: datetime) -> dict[str, list[str]]:
    """What is wrong with `data` as a whole (each field is already of its type)."""
    errors: dict[str, list[str]] = {}
    matching = {k: v for k, v in data.match.items() if v}
    covers = [name for name, given in [("source", data.source), ("team", data.team),
                                       ("match", matching)] if given]  # fmt: skip
    if not covers:
        errors["match"] = [
            "Say what the window covers: a source, a team, or a match on market, program or "
            "severity."
        ]
    elif len(covers) > 1:
        errors[covers[1]] = [f"Give one of source, team or match, not {' and '.join(covers)}."]
    for name in ("starts_at", "ends_at"):
        if not within_years(getattr(data, name)):
            errors[name] = ["Must be a time from 1970 to 2200."]
    if errors.keys() & {"starts_at", "ends_at"}:
        return errors
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = ["Must be after starts_at."]
    elif data.ends_at - data.starts_at > MAX_LENGTH:
        errors["ends_at"] = ["A window lasts at most 366 days (repeat it with rrule)."]
    rule = ""
    if data.rrule:
        try:
            rule = check_rule(data.rrule)
        except RuleError as error:
            errors["rrule"] = [str(error)]
    if not errors:
        window = MaintenanceWindow(
            starts_at=data.starts_at, ends_at=data.ends_at, rrule=rule, time_zone=data.time_zone
        )
        last = series_of(window).last_end()
        if last is not None and last <= now:
            errors["ends_at"] = [f"Already over: it ended at {last.isoformat()}."]
    return errors


def plan_window(*, data: WindowInput, actor: permissions.Actor, now: datetime) -> MaintenanceWindow:
    """A new window, as `actor` (a lead, staff, or a member of the team it covers): Refused or
    InvalidWindow, and nothing written, otherwise."""
    team = data.team or (data.source.team if data.source else None)
    permissions.check_may_plan_maintenance(
        actor=actor, team=team, action="set a maintenance window for this"
    )
    if errors := window_errors(data=data, now=now):
        raise InvalidWindow(errors)
    window = MaintenanceWindow(
        name=data.name,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        rrule=check_rule(data.rrule) if data.rrule else "",
        time_zone=data.time_zone,
        source=data.source,
        team=data.team,
        match_market=data.match.get("market") or "",
        match_program=data.match.get("program") or "",
        match_severity=data.match.get("severity") or "",
        mode=data.mode,
        created_by=actor.user if actor.user is not None and actor.user.is_authenticated else None,
    )
    window.series_ends_at = series_of(window).last_end()
    window.save()
    logger.info("maintenance window #%s %r planned: %s", window.pk, window.name, window.scope())
    return window


def end_window(
    *, window: MaintenanceWindow, actor: permissions.Actor, now: datetime
) -> MaintenanceWindow:
    """End it now, every later occurrence too (or cancel it, if it has not begun). Ending one
    already over changes nothing. Sources it kept from alarming alarm at the next tick if they
    are still silent."""
    team = window.team or (window.source.team if window.source_id else None)
    permissions.check_may_plan_maintenance(
        actor=actor, team=team, action="end this maintenance window"
    )
    with transaction.atomic():
        locked = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
        if locked.series_ends_at is not None and locked.series_ends_at <= now:
            return locked
        locked.series_ends_at = locked.ended_at = now
        locked.ended_by = _who(actor)
        locked.save(update_fields=["series_ends_at", "ended_at", "ended_by", "updated_at"])
        _release_sources(window=locked, now=now)
    logger.info("maintenance window #%s %r ended by %s", locked.pk, locked.name, locked.ended_by)
    return locked


def window_changed(*, window: MaintenanceWindow, now: datetime) -> None:
    """After the admin saved (or deleted) a window: its last end again, and its sources'
    deadlines back where they belong."""
    if window.pk and MaintenanceWindow.objects.filter(pk=window.pk).exists():
        series_ends_at = window.ended_at or series_of(window).last_end()
        MaintenanceWindow.objects.filter(pk=window.pk).update(series_ends_at=series_ends_at)
        window.series_ends_at = series_ends_at
    _release_sources(window=window, now=now)


def _release_sources(*, window: MaintenanceWindow, now: datetime) -> None:
    """Sources whose deadline a window moved to its end get their own deadline back (not
    before now): a source still silent alarms at the next tick, unless another window holds
    it."""
    if not (window.source_id or window.team_id):
        return
    scope = Q(pk=window.source_id) if window.source_id else Q(team_id=window.team_id)
    held = Source.objects.filter(
        scope,
        heartbeat_interval__isnull=False,
        heartbeat_alarm__isnull=True,
        heartbeat_due_at__gt=now,
    )
    for source in held:
        own = deadline_after(source, source.last_heartbeat_at or source.created_at)
        if own is not None and own < source.heartbeat_due_at:
            Source.objects.filter(pk=source.pk, heartbeat_due_at=source.heartbeat_due_at).update(
                heartbeat_due_at=max(own, now)
            )


def hold_back(*, event: Event, covered: Covered, now: datetime) -> TimelineEntry:
    """Mark an event arriving in a window (before it is saved) and say so on its timeline; the
    caller leaves its first step unarmed when the window is silent. Returns the unsaved
    `suppressed` entry."""
    window = covered.window
    event.maintenance = window
    event.maintenance_mode = window.mode
    until = local_time(covered.occurrence.ends_at, tz=event.team.tz, now=now)
    if window.mode == MaintenanceMode.SILENT:
        what = "recorded, nobody paged; it pages only if someone escalates it"
    else:
        what = "paged on Slack only, no phone, SMS or email"
    return TimelineEntry(
        event=event,
        # A microsecond after `received`: the new event's rows go in one statement, which
        # doesn't promise their ids' order, and the timeline reads (at, id).
        at=now + timedelta(microseconds=1),
        kind=TimelineEntry.Kind.SUPPRESSED,
        detail=f"maintenance window '{window.name}' (#{window.pk}, {window.mode}) until "
        f"{until}: {what}"[:1024],
    )


def start_paging(*, event: Event, actor: permissions.Actor | None, now: datetime) -> bool:
    """Page an event a maintenance window held back, as if it had just arrived: step 1 now, on
    every channel, and the next steps after it. False (nothing done) when the event is not
    triggered or was not held back. For "escalate" (and anything else that means "page it
    after all")."""
    with transaction.atomic():
        locked = (
            Event.objects.select_for_update(of=("self",))
            .select_related("maintenance")
            .filter(pk=event.pk)
            .first()
        )
        if locked is None or locked.status != Event.Status.TRIGGERED or not locked.maintenance_mode:
            return False
        held = locked.maintenance_mode
        locked.maintenance_mode = ""
        escalation.arm_first_step(event=locked, now=now)
        locked.save(
            update_fields=[
                "maintenance_mode",
                "policy",
                "step_index",
                "pass_index",
                "next_step_at",
                "step_queued_at",
                "paging",
                "exhausted_at",
            ]
        )
        name = locked.maintenance.name if locked.maintenance else "a deleted one"
        append_timeline(
            event=locked,
            at=now,
            kind=TimelineEntry.Kind.ESCALATED,
            person=actor.person if actor else None,
            detail=f"paging started by {_who(actor) if actor else 'edrops'}, although it "
            f"arrived during maintenance window '{name}' ({held})",
        )
        escalation.queue_step(event=locked)
    for name in ("maintenance_mode", "step_index", "pass_index", "next_step_at", "policy"):
        setattr(event, name, getattr(locked, name))
    return True


def _who(actor: permissions.Actor) -> str:
    if actor.person is not None:
        return actor.person.handle
    return actor.user.get_username() if actor.user is not None else "edrops"
