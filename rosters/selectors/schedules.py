"""Who is on call: now, next, and the shifts of a span."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from rosters.models import (
    Override,
    Person,
    Rotation,
    RotationMember,
    Team,
)
from rosters.shifts import Schedule, Span


@dataclass(frozen=True)
class OnCall:
    """Who holds `rotation` at the moment asked about. `person` None means nobody: an empty
    rotation, or one that has not started yet. `until` None means no change is coming."""

    rotation: Rotation
    person: Person | None
    until: datetime | None
    override: Override | None = None


def _schedules(
    rotations: QuerySet[Rotation], *, overrides_from: datetime
) -> list[tuple[Rotation, Schedule[Person]]]:
    """Rotations with their people and the overrides still to matter, as plain schedules:
    three queries in all, however many rotations. (Grouped by hand rather than with
    prefetch_related, which costs a queryset clone per rotation: a third of the time for 500
    teams.)"""
    ids = rotations.values("pk")  # a subquery: no limit on the number of rotations
    rotations = list(rotations.select_related("team"))
    people: dict[int, list[Person]] = defaultdict(list)
    members = RotationMember.objects.filter(rotation__in=ids).select_related("person")
    for member in members.order_by("rotation", "position", "id"):
        people[member.rotation_id].append(member.person)
    spans: dict[int, list[Span[Person]]] = defaultdict(list)
    overrides = Override.objects.filter(rotation__in=ids, ends_at__gt=overrides_from)
    for o in overrides.select_related("person"):
        spans[o.rotation_id].append(Span(o.person, o.starts_at, o.ends_at, ref=o))
    return [
        (
            r,
            Schedule(
                tz=r.tz,
                first_handoff=r.first_handoff_local,
                shift=r.shift,
                people=people[r.pk],
                overrides=spans[r.pk],
            ),
        )
        for r in rotations
    ]


def _on_call(rotation: Rotation, schedule: Schedule[Person], at: datetime) -> OnCall:
    person, span = schedule.who(at)
    return OnCall(
        rotation=rotation,
        person=person,
        until=schedule.until(at),
        override=span.ref if span else None,
    )


def on_call(
    *, at: datetime, team: Team | None = None, rotation: Rotation | None = None
) -> list[OnCall]:
    """Who is on call for a team (one answer per rotation, by name) or for one rotation, and
    until when. A team without rotations answers an empty list."""
    if (team is None) == (rotation is None):
        raise TypeError("on_call() takes a team or a rotation")
    if rotation is not None:
        [(found, schedule)] = _schedules(Rotation.objects.filter(pk=rotation.pk), overrides_from=at)
        return [_on_call(found, schedule, at)]
    return on_call_for_teams(teams=[team], at=at)[team.pk]


def on_call_for_teams(
    *, teams: Iterable[Team] | QuerySet[Team], at: datetime
) -> dict[int, list[OnCall]]:
    """`on_call` for many teams in a constant number of queries (three): team id -> one OnCall
    per rotation, by name; [] for a team without rotations."""
    answer: dict[int, list[OnCall]] = {team.pk: [] for team in teams}
    rotations = Rotation.objects.filter(team__in=list(answer))
    for rotation, schedule in _schedules(rotations, overrides_from=at):
        answer[rotation.team_id].append(_on_call(rotation, schedule, at))
    return answer


@dataclass(frozen=True)
class Shift:
    """A stretch of time one person (or nobody) holds a rotation, cut at `start`/`end` of the
    window asked about."""

    rotation: Rotation
    person: Person | None
    starts_at: datetime
    ends_at: datetime
    override: Override | None = None


def shifts(
    *, start: datetime, end: datetime, team: Team | None = None, person: Person | None = None
) -> list[Shift]:
    """Every shift of a team's rotations, or of one person in any rotation, that overlaps
    [start, end), in order of start. A team's list includes the stretches where nobody is on
    call (person None); a person's only their own."""
    if (team is None) == (person is None):
        raise TypeError("shifts() takes a team or a person")
    if team is not None:
        rotations = Rotation.objects.filter(team=team)
    else:
        rotations = Rotation.objects.filter(
            Q(members__person=person) | Q(overrides__person=person, overrides__ends_at__gt=start)
        ).distinct()
    found: list[Shift] = []
    for rotation, schedule in _schedules(rotations, overrides_from=start):
        for begin, finish, who, span in schedule.segments(start, end):
            if person is None or who == person:
                found.append(Shift(rotation, who, begin, finish, span.ref if span else None))
    found.sort(key=lambda s: (s.starts_at, s.rotation.team.slug, s.rotation.name))
    return found


def shifts_starting(*, after: datetime, before: datetime, horizon: datetime) -> list[Shift]:
    """Every shift someone holds, in any rotation, that starts in (after, before), with its end
    (cut at `horizon` when it lasts longer): the handoffs to remind people of. Three queries."""
    found = []
    for rotation, schedule in _schedules(Rotation.objects.all(), overrides_from=after):
        for begin, finish, who, span in schedule.segments(after, horizon):
            if who is not None and after < begin < before:
                found.append(Shift(rotation, who, begin, finish, span.ref if span else None))
    return found


def on_call_and_next(
    *, teams: Iterable[Team], at: datetime, horizon: datetime
) -> dict[int, list[tuple[OnCall, Shift | None]]]:
    """`on_call_for_teams`, each holder with the next shift someone holds after theirs (before
    `horizon`): the on-call page. Three queries, however many teams."""
    answer: dict[int, list[tuple[OnCall, Shift | None]]] = {team.pk: [] for team in teams}
    rotations = Rotation.objects.filter(team__in=list(answer))
    for rotation, schedule in _schedules(rotations, overrides_from=at):
        now = _on_call(rotation, schedule, at)
        following = None
        if now.until is not None and now.until < horizon:
            following = next(
                (
                    Shift(rotation, who, begin, finish, span.ref if span else None)
                    for begin, finish, who, span in schedule.segments(now.until, horizon)
                    if who is not None
                ),
                None,
            )
        answer[rotation.team_id].append((now, following))
    return answer
