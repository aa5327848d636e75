"""Reads of the rosters app: who, and when."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet

from rosters.models import (
    DEFAULT_ACK_SLA,
    Channel,
    ContactRule,
    EscalationPolicy,
    EscalationStep,
    Override,
    Person,
    Role,
    Rotation,
    RotationMember,
    Team,
)
from rosters.shifts import Schedule, Span
from rosters.validators import FORWARDS, Target, TargetKind, parse_target, unreachable_warning


@dataclass(frozen=True)
class ContactStep:
    channel: str
    delay: timedelta


def contact_plan(*, person: Person) -> list[ContactStep]:
    """The person's contact rules in order; without any, SMS then a call after 1 min where there
    is a phone, else Slack, else email (API.md §6). Uses prefetched rules when present."""
    rules: list[ContactRule] = list(person.contact_rules.all())
    if rules:
        return [ContactStep(channel=r.channel, delay=r.delay) for r in rules]
    if person.phone:
        return [
            ContactStep(channel=Channel.SMS, delay=timedelta(0)),
            ContactStep(channel=Channel.VOICE, delay=timedelta(minutes=1)),
        ]
    if person.slack_user_id:
        return [ContactStep(channel=Channel.SLACK, delay=timedelta(0))]
    if person.email:
        return [ContactStep(channel=Channel.EMAIL, delay=timedelta(0))]
    return []


# Where each channel reaches a person, and how the person's page names it.
ADDRESS = {
    Channel.SLACK: ("slack_user_id", "Slack user id"),
    Channel.SMS: ("phone", "phone number"),
    Channel.VOICE: ("phone", "phone number"),
    Channel.EMAIL: ("email", "email address"),
}


def contact_gaps(*, person: Person) -> list[str]:
    """The steps of the person's contact plan that can't reach them: a channel without the
    address it needs ("SMS: no phone number")."""
    gaps = []
    for step in contact_plan(person=person):
        field, name = ADDRESS[step.channel]
        if not getattr(person, field):
            gaps.append(f"{Channel(step.channel).label}: no {name}")
    return gaps


def team_leads(*, team: Team) -> QuerySet[Person]:
    """The team's leads: its members whose role is `lead` (whom the ops room and the schedule
    tell things to). A lead acts on every team's events; this is about whom they lead."""
    return team.members.filter(role=Role.LEAD).order_by("handle")


# --- Who is on call -------------------------------------------------------------------------


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


# --- Escalation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """Whom a step pages: people (with their contact rules prefetched, for `contact_plan`),
    Slack channels to post in and services outside to forward to. `missing` lists targets
    that no longer name anything (a rotation or person removed since the policy was
    snapshotted); `nobody` the ones that
    exist but reach no one now (an empty rotation, a team without members), so the timeline
    can say so."""

    people: list[Person]
    slack_channels: list[str] = field(default_factory=list)
    forwards: list[Target] = field(default_factory=list)  # pagerduty:KEY, webhook:NAME
    missing: list[str] = field(default_factory=list)
    nobody: list[str] = field(default_factory=list)


def recipients_for_targets(*, team: Team, targets: list[str], at: datetime) -> Recipients:
    """The people and channels `targets` (as in a policy snapshot) reach at `at`, each once,
    in the order the targets name them. An empty rotation reaches nobody: not an error."""
    parsed = [parse_target(t) for t in targets]
    person_ids: list[int] = []
    channels: list[str] = []
    forwards: list[Target] = []
    missing: list[str] = []
    rotation_names = {t.value for t in parsed if t.kind == TargetKind.ROTATION}
    handles = {t.value for t in parsed if t.kind == TargetKind.PERSON}
    holders: dict[str, Person | None] = {}
    if rotation_names:
        rotations = Rotation.objects.filter(team=team, name__in=rotation_names)
        holders = {
            r.name: schedule.who(at)[0] for r, schedule in _schedules(rotations, overrides_from=at)
        }
    by_handle = (
        dict(Person.objects.filter(handle__in=handles).values_list("handle", "pk"))
        if handles
        else {}
    )
    members = (
        list(team.members.values_list("pk", flat=True))
        if any(t.kind == TargetKind.TEAM for t in parsed)
        else []
    )
    nobody: list[str] = []
    for target in parsed:
        if target.kind == TargetKind.ROTATION:
            if target.value not in holders:
                missing.append(str(target))
            elif holders[target.value] is None:
                nobody.append(str(target))
            else:
                person_ids.append(holders[target.value].pk)
        elif target.kind == TargetKind.PERSON:
            if target.value in by_handle:
                person_ids.append(by_handle[target.value])
            else:
                missing.append(str(target))
        elif target.kind == TargetKind.TEAM:
            person_ids.extend(members)
            if not members:
                nobody.append(str(target))
        elif target.kind in FORWARDS:
            if target not in forwards:
                forwards.append(target)
        elif target.value not in channels:
            channels.append(target.value)
    order = list(dict.fromkeys(person_ids))
    people = Person.objects.filter(pk__in=order).prefetch_related("contact_rules")
    by_pk = {p.pk: p for p in people}
    return Recipients(
        people=[by_pk[pk] for pk in order],
        slack_channels=channels,
        forwards=forwards,
        missing=missing,
        nobody=nobody,
    )


def ack_sla(*, team: Team, test: bool = False) -> timedelta:
    """No query when the team came with its policy (`select_related("team__escalation_policy")`,
    as a source's token lookup does). A test dispatch's is its test policy's, when there is one."""
    if test:
        policy = EscalationPolicy.objects.filter(test_of=team).first()
        if policy is not None:
            return policy.ack_sla
    try:
        return team.escalation_policy.ack_sla
    except EscalationPolicy.DoesNotExist:
        return DEFAULT_ACK_SLA


def escalation_policy(*, team: Team, test: bool = False) -> dict:
    """The team's policy as plain JSON, for the escalation engine to snapshot when an event's
    first step runs (and again when it reopens), so editing the policy later doesn't change an
    escalation under way. Durations are in seconds:

        {"team": "grid-ops", "ack_sla": 600, "repeat": 1,
         "steps": [{"wait": 120, "targets": ["rotation:primary"]}, ...]}

    A team without a policy, or whose policy has no steps, gets one step that pages whoever is
    on its rotations (every member if it has none); its ack_sla and repeat are the policy's,
    or without one the default ack_sla of 10 minutes and no repeat.

    `test`: the policy a test dispatch follows — the team's test policy with steps, else
    `default_test_policy`.
    """
    if test:
        return _test_policy(team=team)
    policy = (
        EscalationPolicy.objects.filter(team=team)
        .prefetch_related(
            Prefetch("steps", queryset=EscalationStep.objects.order_by("position", "id"))
        )
        .first()
    )
    if policy is None or not policy.steps.all():
        names = list(Rotation.objects.filter(team=team).values_list("name", flat=True))
        return {
            "team": team.slug,
            "ack_sla": int((policy.ack_sla if policy else DEFAULT_ACK_SLA).total_seconds()),
            "repeat": policy.repeat if policy else 0,
            "steps": [{"wait": 0, "targets": [f"rotation:{n}" for n in names] or ["team"]}],
        }
    return {
        "team": team.slug,
        "ack_sla": int(policy.ack_sla.total_seconds()),
        "repeat": policy.repeat,
        "steps": [
            {"wait": int(s.wait.total_seconds()), "targets": list(s.targets)}
            for s in policy.steps.all()
        ],
    }


def person_policy(*, team: Team, person: Person) -> dict:
    """A policy that pages `person` alone, by their contact rules: a page to a person, or an
    event reassigned to one. As PagerDuty does for an incident assigned to a user, nobody else
    is paged when they don't answer; they are paged once more when the team's ack_sla has
    passed, and then the team's channel is told nobody acknowledged (as for any policy whose
    steps have run out), rather than at the moment of the first page."""
    sla = int(ack_sla(team=team).total_seconds())
    return {
        "team": team.slug,
        "ack_sla": sla,
        "repeat": 1,
        "steps": [{"wait": sla, "targets": [f"person:{person.handle}"]}],
    }


def _test_policy(*, team: Team) -> dict:
    policy = (
        EscalationPolicy.objects.filter(test_of=team)
        .prefetch_related(
            Prefetch("steps", queryset=EscalationStep.objects.order_by("position", "id"))
        )
        .first()
    )
    if policy is None or not policy.steps.all():
        return default_test_policy(team=team)
    return {
        "team": team.slug,
        "test": True,
        "ack_sla": int(policy.ack_sla.total_seconds()),
        "repeat": policy.repeat,
        "steps": [
            {"wait": int(s.wait.total_seconds()), "targets": list(s.targets)}
            for s in policy.steps.all()
        ],
    }


def default_test_policy(*, team: Team) -> dict:
    """What a test dispatch of a team without a test policy follows: one post to the team's
    Slack channel (none when it has no channel) and a copy in the outbox (`"outbox": true`);
    nobody is phoned or texted, so the monthly ISO test wakes nobody."""
    return {
        "team": team.slug,
        "test": True,
        "outbox": True,
        "ack_sla": int(DEFAULT_ACK_SLA.total_seconds()),
        "repeat": 0,
        "steps": [{"wait": 0, "targets": [f"slack:{team.slack_channel}"]}]
        if team.slack_channel
        else [],
    }


def policy_warning(*, team: Team, test: bool = False) -> str:
    """'' if the team's policy (`test`: its test policy) can reach someone within its ack_sla,
    else why not."""
    policy = EscalationPolicy.objects.filter(**{"test_of" if test else "team": team}).first()
    if policy is None:
        return ""
    steps = [(s.targets, s.wait) for s in policy.steps.order_by("position", "id")]
    staffed = set(
        Rotation.objects.filter(team=team, members__isnull=False).values_list("name", flat=True)
    )
    contactable = Person.objects.exclude(phone="", email="", slack_user_id="")
    reachable = set(contactable.values_list("handle", flat=True))
    team_reachable = contactable.filter(teams=team).exists()

    def reaches(target) -> bool:
        return (
            (target.kind == TargetKind.ROTATION and target.value in staffed)
            or (target.kind == TargetKind.PERSON and target.value in reachable)
            or (target.kind == TargetKind.TEAM and team_reachable)
            or target.kind in (TargetKind.SLACK, *FORWARDS)
        )

    return unreachable_warning(ack_sla=policy.ack_sla, steps=steps, reaches=reaches)
