"""Ingest: every adapter (native, PagerDuty, Alertmanager) hands one `EventInput` to `ingest`.

It upserts the Event by `(source, external_id)` and, in the same transaction, enqueues the first
escalation step: the ORM broker keeps the task in the same database, so a 2xx means the event
and the work to page someone are both committed, or neither is.
"""

import dataclasses
import functools
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from edrops import permissions
from edrops.db import insert_unless_exists
from edrops.models import (
    Event,
    EventRevision,
    Integration,
    MaintenanceMode,
    SenderStatus,
    Source,
    TimelineEntry,
)
from edrops.selectors.maintenance import covering_event
from edrops.services import escalation, tallies
from edrops.services.maintenance import hold_back
from edrops.services.silence import record_life
from rosters.columns import Unstorable, column_errors
from rosters.models import Person, Team
from rosters.selectors import ack_sla

logger = logging.getLogger(__name__)

CLOSING = {
    SenderStatus.CANCELLED: Event.Status.CANCELLED,
    SenderStatus.COMPLETED: Event.Status.RESOLVED,
}


def default_respond_by(*, team: Team, received_at: datetime, test: bool = False) -> datetime:
    """When nobody said: received + the team's ack_sla (10 minutes without a policy); a test
    dispatch's from the team's test policy, when it has one."""
    return received_at + ack_sla(team=team, test=test)


@dataclass(frozen=True)
class EventInput:
    """One message from any integration, in our words. `None` means "the sender didn't say":
    a new event takes the default, a revision keeps what the event already has."""

    external_id: str
    summary: str
    body: dict[str, Any]  # what the sender sent (without credentials), kept as the revision
    integration: str = Integration.NATIVE
    revision: int | None = None  # None: the sender has no revision numbers; "the next one"
    status: str = SenderStatus.ACTIVE
    severity: str | None = None
    market: str | None = None
    program: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    respond_by: datetime | None = None
    mw: Decimal | None = None
    location: str | None = None
    resources: list[str] | None = None
    test: bool | None = None
    team: Team | None = None  # ours: where edrops routes it (our own alarms set it)
    team_slug: str | None = None  # the sender's `team`: routed there if the source may page it
    details: dict[str, Any] | None = field(default=None)
    # A page by hand (services/manual_pages.py): who sent it, and the person paged alone.
    created_by: Person | None = None
    created_by_name: str = ""
    assigned_to: Person | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any], **given: Any) -> "EventInput":
        """From a serializer's validated data: each of our fields that `values` has (one the
        sender left out keeps its default), then `given` (the body, the integration, ...)."""
        ours = {name: values[name] for name in _field_names() if name in values}
        return cls(**{**ours, **given})


@dataclass(frozen=True)
class IngestResult:
    event: Event
    created: bool
    changed: bool  # False: a redelivery or a stale revision; nothing happened, nobody is paged


# Fields a revision replaces when the sender gives them.
_REVISABLE = (
    "summary",
    "severity",
    "market",
    "program",
    "starts_at",
    "ends_at",
    "respond_by",
    "mw",
    "location",
    "resources",
    "test",
    "team",
    "details",
)


@functools.cache
def _field_names() -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(EventInput))


@functools.cache
def _event_columns() -> tuple[str, ...]:
    """The EventInput fields that are Event columns of the same name (a new one is checked too)."""
    columns = {f.name for f in Event._meta.concrete_fields}
    return tuple(f.name for f in dataclasses.fields(EventInput) if f.name in columns)


def input_errors(*, data: EventInput) -> dict[str, list[str]]:
    """What in `data` the event's columns can't hold, by field (a revision past 2**31 - 1, 5,000
    digits of MW, ...): checked before the one-statement insert, which bypasses the model."""
    values = {name: getattr(data, name) for name in _event_columns()}
    return {**column_errors(Event, values), **column_errors(EventRevision, {"body": data.body})}


def ingest(*, source: Source, data: EventInput, now: datetime) -> IngestResult:
    """Upsert the event `(source, data.external_id)`.

    New: create it, its revision and `received` entry, and (unless it arrives closed) its first
    escalation step's task, all or nothing. A higher revision: update it under a row lock;
    `cancelled`/`completed` closes it, an opening status re-opens a closed one (and pages
    again). The same or a lower revision: nothing changes (`changed=False`).

    Raises Unstorable (nothing written) when a value is more than its column holds, and
    MayNotPage when it names a team the source may not page."""
    if errors := input_errors(data=data):
        raise Unstorable(errors)
    [routed] = _routed(source=source, inputs=[data])
    return _ingest(source=source, data=routed, now=now)


def ingest_all(
    *, source: Source, inputs: Sequence[EventInput], now: datetime
) -> list[IngestResult]:
    """Each of `inputs` in turn, after checking all of them: Unstorable (with one dict of
    errors per input, empty for the good ones) before anything is written."""
    errors = [input_errors(data=data) for data in inputs]
    if any(errors):
        raise Unstorable(errors)
    routed = _routed(source=source, inputs=inputs)
    return [_ingest(source=source, data=data, now=now) for data in routed]


def _routed(*, source: Source, inputs: Sequence[EventInput]) -> list[EventInput]:
    """Each input with the team its sender named (`team_slug`) as `team`, when the source may
    page it; MayNotPage (nothing written) for one it may not, or that doesn't exist."""
    return [
        data
        if data.team_slug is None
        else dataclasses.replace(
            data, team=permissions.pageable_team(source=source, slug=data.team_slug)
        )
        for data in inputs
    ]


def _ingest(*, source: Source, data: EventInput, now: datetime) -> IngestResult:
    from_sender = data.integration != Integration.EDROPS  # our own alarms are not received
    if source.events_count_as_life and from_sender:
        record_life(source=source, now=now)  # the sender is alive
    event = _create(source=source, data=data, now=now)
    if event is not None:
        return IngestResult(event=event, created=True, changed=True)
    # It exists (a concurrent delivery may have inserted it a moment ago: PostgreSQL made our
    # INSERT wait until that one committed). Revisions only grow, so this read needs no lock
    # to tell a redelivery or a stale revision, which change nothing.
    known = Event.objects.filter(source=source, external_id=data.external_id).first()
    if known is not None and data.revision is not None and data.revision <= known.revision:
        if from_sender:
            tallies.count_received(source=source, integration=data.integration, outcome=200)
        return IngestResult(event=known, created=False, changed=False)
    with transaction.atomic():
        event = _locked_event(source=source, external_id=data.external_id)
        if event is None:
            raise IntegrityError(f"event {data.external_id!r} of {source} is neither new nor known")
        result = _revise(event=event, source=source, data=data, now=now)
        if from_sender:
            outcome = 202 if result.changed else 200
            tallies.count_received(source=source, integration=data.integration, outcome=outcome)
        return result


def _locked_event(*, source: Source, external_id: str) -> Event | None:
    return Event.objects.select_for_update().filter(source=source, external_id=external_id).first()


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _create(*, source: Source, data: EventInput, now: datetime) -> Event | None:
    """The new event with its rows, written in one statement; None if it already exists."""
    team = data.team or source.team
    closed_as = CLOSING.get(data.status)
    event = Event(
        source=source,
        team=team,
        integration=data.integration,
        external_id=data.external_id,
        revision=data.revision or 0,
        content_digest=_digest(data.body),
        sender_status=data.status,
        status=closed_as or Event.Status.TRIGGERED,
        summary=data.summary,
        severity=data.severity or Event._meta.get_field("severity").default,
        market=data.market or "",
        program=data.program or "",
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        respond_by=data.respond_by
        or default_respond_by(team=team, received_at=now, test=bool(data.test)),
        mw=data.mw,
        location=data.location or "",
        resources=data.resources or [],
        test=bool(data.test),
        details=data.details or {},
        created_by=data.created_by,
        created_by_name=data.created_by_name,
        assigned_to=data.assigned_to,
        created_at=now,
        updated_at=now,
    )
    revision = EventRevision(
        event=event,
        revision=event.revision,
        sender_status=data.status,
        received_at=now,
        body=data.body,
    )
    rows: list[Model] = [
        revision,
        _entry(
            event,
            now,
            TimelineEntry.Kind.RECEIVED,
            f"paged by hand by {data.created_by_name}"
            if data.created_by_name
            else f"from {source.name}, {_described(data, event)}",
        ),
    ]
    task = None
    if closed_as:
        _mark_closed_by_source(event=event, source=source, now=now)
        rows.append(_entry(event, now, _closing_kind(closed_as), "arrived closed; nobody paged"))
    elif (held := _held_back(event=event, now=now)) is not None:
        rows.append(held)
    if not closed_as and event.maintenance_mode != MaintenanceMode.SILENT:
        escalation.arm_first_step(event=event, now=now)
        task = escalation.step_task_row(event=event, now=now)
    # Counted in the same statement: a new event costs no round trip more for /metrics.
    counted = (
        []
        if data.integration == Integration.EDROPS
        else [tallies.received(source=source, integration=data.integration, outcome=202)]
    )
    if not insert_unless_exists(
        row=event,
        unique=("source", "external_id"),
        with_rows=[*rows, *filter(None, [task])],
        and_add=counted,
    ):
        return None
    if not closed_as and task is None and event.next_step_at is not None:
        # Another broker than the database: queued once the event is there to be found.
        transaction.on_commit(lambda: escalation.queue_step(event=event))
    return event


def _revise(*, event: Event, source: Source, data: EventInput, now: datetime) -> IngestResult:
    closed_as = CLOSING.get(data.status)
    if data.revision is None:
        # No revision numbers: the same body again is a redelivery, unless it would change
        # the state (a trigger for a closed event opens it again, as PagerDuty does).
        digest = _digest(data.body)
        if digest == event.content_digest and event.is_open == (closed_as is None):
            return IngestResult(event=event, created=False, changed=False)
        revision = event.revision + 1
    elif data.revision <= event.revision:
        return IngestResult(event=event, created=False, changed=False)
    else:
        revision = data.revision

    was_open = event.is_open
    was_triggered = event.status == Event.Status.TRIGGERED
    for name in _REVISABLE:
        value = getattr(data, name)
        if value is not None:
            setattr(event, name, value)
    event.revision = revision
    event.sender_status = data.status
    event.content_digest = _digest(data.body)
    event.updated_at = now

    entries = [_entry(event, now, TimelineEntry.Kind.REVISED, _described(data, event))]
    reopened = False
    if closed_as and was_open:
        event.status = closed_as
        _mark_closed_by_source(event=event, source=source, now=now)
        entries.append(
            _entry(event, now, _closing_kind(closed_as), f"{data.status} by {source.name}")
        )
    elif not closed_as and not was_open:
        reopened = True
        event.status = Event.Status.TRIGGERED
        event.acknowledged_at = event.acknowledged_by = None
        event.acknowledged_by_name = event.acknowledged_via = ""
        event.closed_at = event.closed_by = None
        event.closed_by_name = event.closed_via = ""
        event.maintenance, event.maintenance_mode = None, ""
        escalation.arm_first_step(event=event, now=now)
        entries[0].detail += "; the event is open again"
        if (held := _held_back(event=event, now=now)) is not None:
            entries.append(held)
            if event.maintenance_mode == MaintenanceMode.SILENT:
                event.next_step_at = event.step_queued_at = None
                reopened = False  # open again, and held back: nothing queued
    event.save()
    EventRevision.objects.create(
        event=event, revision=revision, sender_status=data.status, received_at=now, body=data.body
    )
    TimelineEntry.objects.bulk_create(entries)
    if reopened:
        escalation.queue_step(event=event)
    elif closed_as and was_open:
        escalation.stop_paging(
            event=event,
            message=f"{data.status} by {source.name}",
            # Still being paged: told it is off. Acknowledged and now cancelled: whoever has it
            # may be shedding load for nothing, so told too; a completed one needs no word.
            tell=was_triggered or closed_as == Event.Status.CANCELLED,
            actor=None,
            at=now,
        )
    return IngestResult(event=event, created=False, changed=True)


def _held_back(*, event: Event, now: datetime) -> TimelineEntry | None:
    """When a maintenance window covers the event arriving (or reopening) now: the event
    marked and its `suppressed` entry (services/maintenance.py). One query."""
    covered = covering_event(
        source_id=event.source_id,
        team_id=event.team_id,
        market=event.market,
        program=event.program,
        severity=event.severity,
        now=now,
    )
    return None if covered is None else hold_back(event=event, covered=covered, now=now)


def _mark_closed_by_source(*, event: Event, source: Source, now: datetime) -> None:
    event.closed_at = now
    event.closed_by = None
    event.closed_by_name = f"source:{source.name}"
    event.closed_via = TimelineEntry.Channel.API


def _closing_kind(status: str) -> TimelineEntry.Kind:
    if status == Event.Status.CANCELLED:
        return TimelineEntry.Kind.CANCELLED
    return TimelineEntry.Kind.RESOLVED


def _described(data: EventInput, event: Event) -> str:
    return f"revision {event.revision}, {data.status}"


def _entry(event: Event, at: datetime, kind: TimelineEntry.Kind, detail: str) -> TimelineEntry:
    return TimelineEntry(
        event=event, at=at, kind=kind, channel=TimelineEntry.Channel.API, detail=detail[:1024]
    )
