"""The audit log as rows a person reads: one row per changed field, with its value before and
after, newest first. `/audit` shows them, `/audit.csv` exports them, with the same filters."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils.dateparse import parse_duration

from edrops.audit.registry import labels
from rosters.validators import format_duration

COLUMNS = ["when", "actor", "action", "object type", "object", "field", "before", "after"]
ACTIONS = {
    LogEntry.Action.CREATE: "created",
    LogEntry.Action.UPDATE: "changed",
    LogEntry.Action.DELETE: "deleted",
}


@dataclass(frozen=True)
class AuditFilter:
    content_type: ContentType | None = None
    object: str = ""  # part of the object's name, e.g. "grid-ops/primary"
    actor: str = ""  # part of the actor's name
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditRow:
    when: datetime
    actor: str
    action: str
    object_type: str
    object: str
    field: str
    before: str
    after: str

    def as_list(self) -> list[str]:
        when = self.when.isoformat(timespec="seconds").replace("+00:00", "Z")
        return [when, self.actor, self.action, self.object_type, self.object, self.field,
                self.before, self.after]  # fmt: skip


def entries(*, where: AuditFilter) -> QuerySet[LogEntry]:
    """Entries about audited models, newest first."""
    found = LogEntry.objects.filter(content_type__in=list(labels())).select_related("content_type")
    if where.content_type is not None:
        found = found.filter(content_type=where.content_type)
    if where.object:
        found = found.filter(object_repr__icontains=where.object)
    if where.actor:
        found = found.filter(additional_data__actor__icontains=where.actor)
    if where.since is not None:
        found = found.filter(timestamp__gte=where.since)
    if where.until is not None:
        found = found.filter(timestamp__lt=where.until)
    return found.order_by("-timestamp", "-id")


def actor_of(entry: LogEntry) -> str:
    """The name stamped when it was written (edrops.audit.actors), else the login's."""
    named = (entry.additional_data or {}).get("actor")
    if named:
        return str(named)
    return entry.actor.get_username() if entry.actor_id else ""


def rows(found: Iterable[LogEntry]) -> Iterator[AuditRow]:
    """One row per changed field; an entry without any (nothing left to show) is one row."""
    names = labels()
    for entry in found:
        kind = names.get(entry.content_type_id, entry.content_type.model)
        model = entry.content_type.model_class()
        base = {
            "when": entry.timestamp,
            "actor": actor_of(entry),
            "object_type": kind,
            "object": entry.object_repr,
        }
        changes = list(_changes(entry, model))
        for action, field, before, after in changes or [(ACTIONS[entry.action], "", "", "")]:
            yield AuditRow(action=action, field=field, before=before, after=after, **base)


def _changes(entry: LogEntry, model) -> Iterator[tuple[str, str, str, str]]:
    """(action, field, before, after) for each field of the entry that says something."""
    for name, change in sorted((entry.changes or {}).items()):
        if isinstance(change, dict):  # a many-to-many field: who was added or removed
            names = ", ".join(str(o) for o in change.get("objects", []))
            if change.get("operation") == "add":
                yield "added", name, "", names
            else:
                yield "removed", name, names, ""
            continue
        before, after = (_text(model, name, value) for value in change)
        # A new row's empty fields are not news; a change is, even of one hidden value to
        # another ("(hidden)" -> "(hidden)": the token was replaced).
        if before != after or entry.action == LogEntry.Action.UPDATE:
            yield ACTIONS[entry.action], name, before, after


def _text(model, name: str, value) -> str:
    """A stored value as a person reads it: durations as the roster file writes them (`1w`),
    times in UTC with a Z, lists of targets comma-separated, nothing for none."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field since removed
        field = None
    if isinstance(field, models.DurationField) and isinstance(value, str):
        duration = parse_duration(value)  # str(timedelta): "7 days, 0:00:00"
        return format_duration(duration) if duration is not None else value
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return value.replace(" ", "T") + "Z" if "+" not in value else value
    return str(value)
