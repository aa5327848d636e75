"""What the audit log records, declared as data: one line per model, with the fields it leaves
out (state that changes by itself, e.g. a source's last heartbeat) and the fields whose values
it hides (secrets: that one changed is recorded, never what it was or became; a step's
PagerDuty routing key only by its last four characters)."""

import ast
from dataclasses import dataclass

from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from edrops.models import Source
from rosters.models import (
    ContactRule,
    EscalationPolicy,
    EscalationStep,
    Override,
    Person,
    Rotation,
    RotationMember,
    Team,
)
from rosters.validators import shown_target

HIDDEN = "(hidden)"


@dataclass(frozen=True)
class Audited:
    model: type[Model]
    label: str  # what the log calls it ("object type")
    leave_out: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    mask: str = "edrops.audit.registry.hide"  # what a `hide` field's values become
    memberships: tuple[str, ...] = ()  # many-to-many fields, logged as added and removed


def audited() -> list[Audited]:
    return [
        Audited(Person, "person", hide=("calendar_token",)),
        Audited(ContactRule, "contact rule"),
        Audited(Team, "team", memberships=("members",)),
        Audited(Rotation, "rotation"),
        Audited(RotationMember, "rotation member"),
        Audited(Override, "override"),
        Audited(EscalationPolicy, "escalation policy"),
        Audited(
            EscalationStep,
            "escalation step",
            hide=("targets",),
            mask="edrops.audit.registry.hide_routing_keys",
        ),
        Audited(
            Source,
            "source",
            hide=("token_hash",),
            # Heartbeat state, written by the source's own heartbeats and the clock.
            leave_out=("created_at", "last_heartbeat_at", "heartbeat_due_at", "heartbeat_alarm"),
        ),
        Audited(
            get_user_model(),
            "user",
            hide=("password",),
            leave_out=("last_login",),  # every login; not a change anyone made
            memberships=("groups", "user_permissions"),
        ),
        Audited(Group, "group", memberships=("permissions",)),
    ]


def hide(value: str) -> str:
    """auditlog's mask for the `hide` fields: nothing of the value, only whether there was one
    (its own default keeps half of it)."""
    return "" if value in ("", "None") else HIDDEN


def hide_routing_keys(value: str) -> str:
    """The mask for a step's targets: all of them as the log shows a list (comma-separated),
    but a `pagerduty:` routing key, a secret, only by its last four characters. auditlog hands
    the mask the value as text (a list's repr)."""
    if value in ("", "None"):
        return ""
    try:
        targets = ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        targets = None
    if isinstance(targets, list):
        return ", ".join(shown_target(t) for t in targets)
    return HIDDEN


def register_audited_models() -> None:
    """Called once, from EdropsConfig.ready()."""
    for entry in audited():
        # The model's own columns only: auditlog would otherwise write a new row's reverse
        # relations ("contact_rules: rosters.ContactRule.None") as if they were values. The id
        # is the entry's object id already.
        columns = [f.name for f in entry.model._meta.concrete_fields if f.name != "id"]
        auditlog.register(
            entry.model,
            include_fields=[name for name in columns if name not in entry.leave_out],
            mask_fields=list(entry.hide),
            mask_callable=entry.mask,
            m2m_fields=set(entry.memberships),
        )


def labels() -> dict[int, str]:
    """Content type id -> the log's name for that kind of object."""
    types = ContentType.objects.get_for_models(*(entry.model for entry in audited()))
    by_model = {entry.model: entry.label for entry in audited()}
    return {ct.pk: by_model[model] for model, ct in types.items()}
