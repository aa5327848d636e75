"""Writing a checked roster file (API.md §6): one transaction, all of the plan or nothing.

Reading and checking it is `rosters.roster_file`'s; by the time a plan gets here every value is
known good. Writing is an upsert by handle, slug and rotation name that compares before it
saves, so loading the same file twice reports everything unchanged.

What the file says about a thing is the whole truth about it: a team's `members`, a rotation's
`people`, a person's `contact` rules and a team's `rotations`, `overrides` and escalation
steps are replaced by the file's lists. A key left out leaves the database alone (a team
without `overrides:` keeps the overrides made in the admin). People and teams that are not in
the file are never touched.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from rosters.models import (
    EscalationPolicy,
    EscalationStep,
    Override,
    Person,
    Rotation,
    RotationMember,
    Team,
)
from rosters.roster_file import PolicyPlan, RosterPlan, RotationPlan
from rosters.services.ordered import write_in_order
from rosters.services.people import set_contact_rules

__all__ = ["RosterChanges", "apply_roster"]


@dataclass
class RosterChanges:
    counts: dict[str, Counter] = field(default_factory=dict)

    def note(self, kind: str, what: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[what] += n

    @property
    def changed(self) -> bool:
        return any(c[w] for c in self.counts.values() for w in ("created", "updated", "removed"))

    def summary(self) -> list[str]:
        """`people: 1 created, 3 unchanged`, one line per kind."""
        order = ("created", "updated", "removed", "unchanged")
        return [
            f"{kind}: " + ", ".join(f"{c[w]} {w}" for w in order if c[w])
            for kind, c in self.counts.items()
            if sum(c.values())
        ]


def _upsert(model, lookup: dict, fields: dict) -> tuple[Any, str]:
    """Create or update one row, saving only when a value differs: (row, "created" |
    "updated" | "unchanged")."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **fields)
        obj.save()
        return obj, "created"
    dirty = [k for k, v in fields.items() if getattr(obj, k) != v]
    for k in dirty:
        setattr(obj, k, fields[k])
    if dirty:
        obj.save(update_fields=dirty)
    return obj, "updated" if dirty else "unchanged"


def _status(status: str, changed: bool) -> str:
    return "updated" if status == "unchanged" and changed else status


def apply_roster(plan: RosterPlan) -> RosterChanges:
    """Write the checked plan, all of it or nothing."""
    changes = RosterChanges()
    with transaction.atomic():
        for p in plan.people:
            person, status = _upsert(Person, {"handle": p.handle}, p.fields)
            if p.contact is not None and set_contact_rules(person=person, rules=p.contact):
                status = _status(status, True)
            if p.login is not None:
                status = _status(status, _link_login(person, p.login, changes))
            changes.note("people", status)
        handles = {h for t in plan.teams for h in t.members}
        for t in plan.teams:
            for r in t.rotations or []:
                handles |= set(r.people)
            handles |= {o[1] for o in t.overrides or []}
        people = {p.handle: p for p in Person.objects.filter(handle__in=handles)}
        for t in plan.teams:
            team, status = _upsert(Team, {"slug": t.slug}, t.fields)
            want = sorted({people[h].pk for h in t.members})  # a set: a name twice is once
            if sorted(team.members.values_list("pk", flat=True)) != want:
                team.members.set(want)
                status = _status(status, True)
            changes.note("teams", status)
            if t.rotations is not None:
                _apply_rotations(team, t.rotations, people, changes)
            if t.overrides is not None:
                _apply_overrides(team, t.overrides, people, changes)
            if t.escalation is not None:
                _apply_policy(t.escalation, changes, owner={"team": team})
            if t.test_escalation is not None:
                _apply_policy(t.test_escalation, changes, owner={"test_of": team})
    return changes


def _link_login(person: Person, username: str, changes: RosterChanges) -> bool:
    """The person acts as login `username`, created without a usable password when there is
    none (set one with `manage.py changepassword` or the admin). Whether the link changed."""
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        user = User.objects.create_user(**{User.USERNAME_FIELD: username}, password=None)
        changes.note("logins", "created")
    if person.user_id == user.pk:
        return False
    person.user = user
    person.save(update_fields=["user"])
    return True


def _apply_rotations(
    team: Team, rotations: list[RotationPlan], people: dict[str, Person], changes: RosterChanges
) -> None:
    for r in rotations:
        fields = {
            "timezone": r.timezone,
            "start_date": r.start_date,
            "start_time": r.start_time,
            "shift": r.shift,
        }
        rotation, status = _upsert(Rotation, {"team": team, "name": r.name}, fields)
        places = write_in_order(
            rows=list(rotation.members.all()),
            wanted=[{"person_id": people[h].pk} for h in r.people],
            new=partial(RotationMember, rotation=rotation),
        )
        status = _status(status, places)
        changes.note("rotations", status)
    stale = Rotation.objects.filter(team=team).exclude(name__in=[r.name for r in rotations])
    _, deleted = stale.delete()
    changes.note("rotations", "removed", deleted.get(Rotation._meta.label, 0))


def _apply_overrides(
    team: Team,
    overrides: list[tuple[str, str, datetime, datetime]],
    people: dict[str, Person],
    changes: RosterChanges,
) -> None:
    rotations = {r.name: r for r in team.rotations.all()}
    want = {
        (rotations[name].pk, people[handle].pk, starts, ends)
        for name, handle, starts, ends in overrides
    }
    have = {
        (o.rotation_id, o.person_id, o.starts_at, o.ends_at): o.pk
        for o in Override.objects.filter(rotation__team=team)
    }
    stale = [pk for key, pk in have.items() if key not in want]
    Override.objects.filter(pk__in=stale).delete()
    fresh = [key for key in want if key not in have]
    for r, p, s, e in fresh:  # one by one, for the audit log
        Override.objects.create(rotation_id=r, person_id=p, starts_at=s, ends_at=e)
    changes.note("overrides", "created", len(fresh))
    changes.note("overrides", "removed", len(stale))
    changes.note("overrides", "unchanged", len(want) - len(fresh))


def _apply_policy(plan: PolicyPlan, changes: RosterChanges, *, owner: dict) -> None:
    """`owner`: {"team": team} for its policy, {"test_of": team} for its test policy."""
    policy, status = _upsert(
        EscalationPolicy, owner, {"ack_sla": plan.ack_sla, "repeat": plan.repeat}
    )
    places = write_in_order(
        rows=list(policy.steps.order_by("position", "id")),
        wanted=[{"targets": targets, "wait": wait} for targets, wait in plan.steps],
        new=partial(EscalationStep, policy=policy),
    )
    status = _status(status, places)
    kind = "test escalation policies" if "test_of" in owner else "escalation policies"
    changes.note(kind, status)
