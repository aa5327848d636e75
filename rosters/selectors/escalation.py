"""Reads for the escalation engine: whom a step's targets reach, and a team's policy."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch

from rosters.models import (
    DEFAULT_ACK_SLA,
    EscalationPolicy,
    EscalationStep,
    Person,
    Rotation,
    Team,
)
from rosters.selectors.schedules import _schedules
from rosters.validators import FORWARDS, Target, TargetKind, parse_target, unreachable_warning


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
