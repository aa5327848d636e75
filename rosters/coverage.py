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
from rosters.selectors import _schedules, contact_gaps, contact_plan, escalation_policy
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


def coverage_gaps(*, team: Team, start: datetime, end: datetime) -> list[Gap]:
    """Every interval of [start, end) in which the team's escalation policy reaches nobody
    (see the module's docstring), in order; neighbouring stretches with the same reason and
    detail are one gap."""
    targets = [
        parse_target(t) for step in escalation_policy(team=team)["steps"] for t in step["targets"]
    ]
    rotation_names = {t.value for t in targets if t.kind == TargetKind.ROTATION}
    schedules = dict(
        (r.name, s)
        for r, s in _schedules(
            Rotation.objects.filter(team=team, name__in=rotation_names), overrides_from=start
        )
    )
    # People named for good: by handle, and the members for `team`.
    fixed: list[Person] = []
    fixed_note: list[str] = []
    handles = [t.value for t in targets if t.kind == TargetKind.PERSON]
    if handles:
        fixed += list(Person.objects.filter(handle__in=handles).prefetch_related("contact_rules"))
    if any(t.kind == TargetKind.TEAM for t in targets):
        members = list(team.members.prefetch_related("contact_rules"))
        fixed += members
        fixed_note += [] if members else ["the team has no members"]

    # Rotation holders as prefetched rows: their contact rules are read at every cut.
    holders = {p.pk for s in schedules.values() for p in s.people}
    holders |= {span.person.pk for s in schedules.values() for span in s.overrides}
    rows = Person.objects.filter(pk__in=holders).prefetch_related("contact_rules").in_bulk()

    cuts = {start, end}
    for schedule in schedules.values():
        cuts |= {begin for begin, _, _, _ in schedule.segments(start, end)}
    cuts |= _working_edges([*rows.values(), *fixed], start, end)

    gaps: list[Gap] = []
    for begin, finish in pairwise(sorted(cuts)):
        people: dict[int, Person] = {p.pk: p for p in fixed}
        named = list(fixed_note)
        for name in sorted(rotation_names):
            schedule = schedules.get(name)
            holder = schedule.who(begin)[0] if schedule else None
            if holder is None:
                named.append(f"rotation {name} has nobody" if schedule else f"no rotation {name}")
            else:
                people.setdefault(holder.pk, rows[holder.pk])
        verdict = _verdict(named, list(people.values()), begin)
        if verdict is None:
            continue
        why, detail = verdict
        last = gaps[-1] if gaps else None
        if last and last.ends_at == begin and (last.why, last.detail) == (why, detail):
            gaps[-1] = Gap(last.starts_at, finish, why, detail)
        else:
            gaps.append(Gap(begin, finish, why, detail))
    return gaps
