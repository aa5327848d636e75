"""Coverage gaps: the stretches of time in which a team's escalation policy reaches nobody who
can be woken, found days before a dispatch at 3 a.m. finds them.

At any instant, the policy's steps name people: the holders of the rotations they name, the
people they name, the team's members for `team`. (A `slack:` channel is not counted: a channel
at night is read by nobody.) The instant is a gap when

- `nobody_on_call`: the steps name nobody (an empty rotation, one not started yet, an
  override-free hole, a team without members);
- `no_contact_method`: everyone named lacks what each of their contact rules needs (no phone
  for SMS and voice rules, no Slack user id for Slack rules, no email address for email rules);
- `working_hours_only`: everyone who can be reached can be reached only the way a `low` event
  reaches people (Slack or email, no phone), and it is outside their working hours: a dispatch
  then waits, in effect, for someone to come to work.

Gaps are computed on plain values (rosters.shifts), cut where anything that matters changes:
handoffs, override edges and the named people's working-hour boundaries.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise

from rosters.models import Channel, Person, Rotation, Team
from rosters.selectors import contact_gaps, contact_plan, escalation_policy
from rosters.selectors.schedules import _schedules  # the rotations as on-call reads build them
from rosters.validators import TargetKind, parse_target


class Why:
    NOBODY_ON_CALL = "nobody_on_call"
    NO_CONTACT_METHOD = "no_contact_method"
    WORKING_HOURS_ONLY = "working_hours_only"


@dataclass(frozen=True)
class Gap:
    """[starts_at, ends_at) in which the policy reaches nobody; `detail` says why in words."""

    starts_at: datetime
    ends_at: datetime
    why: str
    detail: str


PHONE_CHANNELS = {Channel.SMS, Channel.VOICE}


def _reachable(person: Person) -> bool:
    """At least one of their contact rules has the address it needs."""
    return len(contact_gaps(person=person)) < len(contact_plan(person=person))


def _wakes(person: Person) -> bool:
    """A rule that rings a phone: works at night, whatever their working hours."""
    return bool(person.phone) and any(
        step.channel in PHONE_CHANNELS for step in contact_plan(person=person)
    )


def _verdict(named: list[str], people: list[Person], at: datetime) -> tuple[str, str] | None:
    """(why, detail) if the people named at `at` make it a gap, else None."""
    if not people:
        return Why.NOBODY_ON_CALL, "; ".join(named) or "the policy names nobody"
    reachable = [p for p in people if _reachable(p)]
    if not reachable:
        return Why.NO_CONTACT_METHOD, "; ".join(
            f"{p.handle}: {', '.join(contact_gaps(person=p)) or 'no contact method'}"
            for p in people
        )
    if any(_wakes(p) or p.is_working(at) for p in reachable):
        return None
    return Why.WORKING_HOURS_ONLY, "; ".join(
        f"{p.handle} works {p.working_hours} {p.timezone} and has no phone rule" for p in reachable
    )


def _working_edges(people: Iterable[Person], start: datetime, end: datetime) -> set[datetime]:
    """Every start and end of the people's working hours in [start, end) (local wall clock)."""
    edges: set[datetime] = set()
    for person in people:
        if person.work_starts is None or person.work_ends is None:
            continue
        day = start.astimezone(person.tz).date() - timedelta(days=1)
        while (midnight := datetime.combine(day, time(0), tzinfo=person.tz)) < end:
            for t in (person.work_starts, person.work_ends):
                edge = midnight.replace(hour=t.hour, minute=t.minute)
                if start < edge < end:
                    edges.add(edge)
            day += timedelta(days=1)
    return edges


@dataclass(frozen=True)
class Stretch:
    """[starts_at, ends_at) of the "who is paged" lane: the people the first step that reaches
    anyone pages (by handle), or the gap (`why`, `detail`) when none does."""

    starts_at: datetime
    ends_at: datetime
    paged: tuple[str, ...]
    why: str = ""
    detail: str = ""


def who_is_paged(*, team: Team, start: datetime, end: datetime) -> list[Stretch]:
    """[start, end) cut where whom the team's policy pages changes: a dispatch at any moment
    pages the people of the stretch it falls in (first step that reaches someone), or nobody in
    a gap (see the module's docstring). Neighbouring stretches that say the same are one."""
    steps = [
        [parse_target(t) for t in step["targets"]] for step in escalation_policy(team=team)["steps"]
    ]
    targets = [t for step in steps for t in step]
    rotation_names = {t.value for t in targets if t.kind == TargetKind.ROTATION}
    rotations = Rotation.objects.filter(team=team, name__in=rotation_names)
    schedules = {r.name: s for r, s in _schedules(rotations, overrides_from=start)}
    handles = [t.value for t in targets if t.kind == TargetKind.PERSON]
    by_handle = {
        p.handle: p
        for p in Person.objects.filter(handle__in=handles).prefetch_related("contact_rules")
    }
    members = (
        list(team.members.prefetch_related("contact_rules"))
        if any(t.kind == TargetKind.TEAM for t in targets)
        else []
    )
    # Rotation holders as prefetched rows: their contact rules are read at every cut.
    holders = {p.pk for s in schedules.values() for p in s.people}
    holders |= {span.person.pk for s in schedules.values() for span in s.overrides}
    rows = Person.objects.filter(pk__in=holders).prefetch_related("contact_rules").in_bulk()

    cuts = {start, end}
    for schedule in schedules.values():
        cuts |= {begin for begin, _, _, _ in schedule.segments(start, end)}
    cuts |= _working_edges([*rows.values(), *by_handle.values(), *members], start, end)

    stretches: list[Stretch] = []
    for begin, finish in pairwise(sorted(cuts)):
        named: list[str] = []
        everyone: dict[int, Person] = {}
        paged: tuple[str, ...] = ()
        for step in steps:
            people = _named(step, begin, schedules, by_handle, members, rows, named)
            everyone.update((p.pk, p) for p in people)
            reached = [p for p in people if _reachable(p)]
            if reached and not paged:
                paged = tuple(dict.fromkeys(p.handle for p in reached))
        verdict = _verdict(named, list(everyone.values()), begin)
        why, detail = verdict or ("", "")
        last = stretches[-1] if stretches else None
        if last and (last.paged, last.why, last.detail) == (paged, why, detail):
            stretches[-1] = Stretch(last.starts_at, finish, paged, why, detail)
        else:
            stretches.append(Stretch(begin, finish, paged, why, detail))
    return stretches


def _named(step, at, schedules, by_handle, members, rows, notes: list[str]) -> list[Person]:
    """The people one step names at `at`; what names nobody is noted in `notes`."""
    people: list[Person] = []
    for target in step:
        if target.kind == TargetKind.ROTATION:
            schedule = schedules.get(target.value)
            holder = schedule.who(at)[0] if schedule else None
            if holder is not None:
                people.append(rows[holder.pk])
            elif schedule is None:
                notes.append(f"no rotation {target.value}")
            else:
                notes.append(f"rotation {target.value} has nobody")
        elif target.kind == TargetKind.PERSON and target.value in by_handle:
            people.append(by_handle[target.value])
        elif target.kind == TargetKind.TEAM:
            people += members
            if not members:
                notes.append("the team has no members")
    return people


def coverage_gaps(*, team: Team, start: datetime, end: datetime) -> list[Gap]:
    """Every interval of [start, end) in which the team's escalation policy reaches nobody
    (see the module's docstring), in order."""
    return [
        Gap(s.starts_at, s.ends_at, s.why, s.detail)
        for s in who_is_paged(team=team, start=start, end=end)
        if s.why
    ]
