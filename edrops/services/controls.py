"""The ops room's hands on an open event: escalate now, reassign, snooze. Each asks
edrops/permissions.py first (Refused: nothing changes), works under the event's row lock, writes
the timeline, and hands paging to the escalation engine the way ingest does: arm a step, queue
its task in the same transaction. A step task carries the (step, pass) it was queued for, so a
step queued here and the same step queued by the clock page once between them.

A closed event (resolved, cancelled) has nothing to act on: Conflict, answered 409."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from edrops import permissions
from edrops.models import Event, TimelineEntry
from edrops.services import escalation
from edrops.services.acknowledgement import check_may_act, who
from edrops.services.manual_pages import BadPage
from edrops.services.timeline import append_timeline
from rosters.models import Person


class Conflict(Exception):
    """The event's state doesn't allow the action (409): `detail` says why, in words."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _locked(event: Event, *, doing: str) -> Event:
    """The event read again under its row lock; Conflict when it is closed."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("team", "assigned_to")
        .get(pk=event.pk)
    )
    if not event.is_open:
        by = f" by {event.closed_by_name}" if event.closed_by_name else ""
        raise Conflict(
            f"This event is {event.status}{by}: there is nothing to {doing}. "
            "Page again (POST /api/v1/pages) if it needs someone."
        )
    return event


def retrigger(event: Event, *, now: datetime) -> None:
    """An acknowledged event goes back to `triggered` (the caller holds its lock and saves it):
    nobody has it any more, and any snooze is over. Who had acknowledged stays on the
    timeline."""
    event.status = Event.Status.TRIGGERED
    event.acknowledged_at = event.acknowledged_by = None
    event.acknowledged_by_name = event.acknowledged_via = ""
    event.wake_at = event.wake_queued_at = None
    event.updated_at = now


def escalate_now(
    *, event: Event, by: Person | None, user: AbstractBaseUser | None = None, via: str, at: datetime
) -> Event:
    """The next escalation step pages now instead of after its wait. An event no step has
    paged yet (a maintenance window held it back, or step 1 hasn't run) starts at step 1, and
    so does one whose steps have all run; an acknowledged one is triggered again."""
    check_may_act(event=event, by=by, user=user)
    name = who(by=by, user=user)
    with transaction.atomic():
        event = _locked(event, doing="escalate")
        said = []
        if event.status == Event.Status.ACKNOWLEDGED:
            said.append(f"no longer acknowledged by {event.acknowledged_by_name}")
            retrigger(event, now=at)
        if event.maintenance_mode:
            # Someone asked for it: the window that held it back (or kept it to Slack) no
            # longer decides who hears of it.
            said.append(f"no longer held by maintenance ({event.maintenance_mode}): every channel")
            event.maintenance_mode = ""
        if event.exhausted_at is not None or event.last_step_at is None:
            again = event.exhausted_at is not None
            escalation.arm_first_step(event=event, now=at)
            said.append("escalation starts again at step 1" if again else "step 1 pages now")
        else:
            # The step already armed, due now: the clock's timer for it is this same field,
            # so it can't fire a second time later.
            event.next_step_at = event.step_queued_at = at
            said.append(f"{_next_step(event)} pages now, without waiting")
        event.updated_at = at
        event.save()
        append_timeline(
            event=event,
            at=at,
            kind=TimelineEntry.Kind.ESCALATED,
            person=by,
            channel=via,
            detail=f"escalated now by {name} via {via}: {'; '.join(said)}",
        )
        escalation.queue_step(event=event)
    return event


def _next_step(event: Event) -> str:
    steps = len(event.policy.get("steps") or []) or "?"
    where = f"step {event.step_index + 1} of {steps}"
    if repeat := int(event.policy.get("repeat") or 0):
        where += f" (pass {event.pass_index + 1} of {repeat + 1})"
    return where


def reassign(
    *,
    event: Event,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    via: str,
    at: datetime,
    team: str | None = None,
    person: str | None = None,
) -> Event:
    """Give the event to another team (paged by its policy) or to one person (paged alone, by
    their contact rules), from step 1, triggered again if it was acknowledged. As PagerDuty
    tells the users an incident was assigned to when it moves on: pages not yet sent are
    cancelled, the event's Slack messages say it was reassigned, and everyone who got an SMS
    page gets one status SMS. A team the actor may not page: PersonMayNotPage (403)."""
    check_may_act(event=event, by=by, user=user)
    name = who(by=by, user=user)
    new_team, new_person = None, None
    if person is not None:
        new_person = Person.objects.filter(handle=person).first()
        if new_person is None:
            raise BadPage({"person": [f"Nobody has the handle {person!r}."]})
    elif team is not None:
        actor = permissions.Actor(person=by, user=user)
        new_team = permissions.team_pageable_by(actor=actor, slug=team)
    else:
        raise BadPage({"team": ["Name a team or a person to reassign it to."]})
    with transaction.atomic():
        event = _locked(event, doing="reassign")
        was = event.assigned_to.handle if event.assigned_to_id else f"team {event.team.slug}"
        to = new_person.handle if new_person else f"team {new_team.slug}"
        message = f"reassigned to {to} by {name} via {via}"
        escalation.stop_paging(event=event, message=message, tell=True, actor=by, at=at)
        retrigger(event, now=at)
        if new_team is not None:
            event.team, event.assigned_to = new_team, None
        else:
            event.assigned_to = new_person
        escalation.arm_first_step(event=event, now=at)
        event.save()
        append_timeline(
            event=event,
            at=at,
            kind=TimelineEntry.Kind.REASSIGNED,
            person=by,
            channel=via,
            detail=f"{message} (was {was}): paging from step 1",
        )
        escalation.queue_step(event=event)
    return event


def snooze(
    *,
    event: Event,
    by: Person | None,
    user: AbstractBaseUser | None = None,
    via: str,
    at: datetime,
    minutes: int,
) -> Event:
    """An acknowledged event goes back to `triggered` in `minutes`, and pages again from
    step 1 (services/wakeups.py; the clock fires it). Snoozing again replaces the time. A
    triggered event is Conflict: acknowledge it first."""
    check_may_act(event=event, by=by, user=user)
    name = who(by=by, user=user)
    with transaction.atomic():
        event = _locked(event, doing="snooze")
        if event.status != Event.Status.ACKNOWLEDGED:
            raise Conflict(
                "This event is triggered: only an acknowledged event can be snoozed. "
                "Acknowledge it first."
            )
        event.wake_at = at + timedelta(minutes=minutes)
        event.wake_queued_at = None
        event.updated_at = at
        event.save(update_fields=["wake_at", "wake_queued_at", "updated_at"])
        local = event.wake_at.astimezone(event.team.tz)
        append_timeline(
            event=event,
            at=at,
            kind=TimelineEntry.Kind.SNOOZED,
            person=by,
            channel=via,
            detail=f"snoozed by {name} via {via} for {minutes} min: "
            f"triggered again at {local:%H:%M %Z} unless resolved",
        )
    return event
