"""Factories for rotations, overrides and escalation policies."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory

from rosters.models import EscalationPolicy, EscalationStep, Override, Rotation, RotationMember
from tests.factories import TeamFactory


class RotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rotation
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"rotation{n}")
    timezone = "America/Chicago"
    start_date = datetime(2026, 11, 2).date()
    start_time = datetime(2026, 11, 2, 9, 0).time()
    shift = timedelta(weeks=1)

    @factory.post_generation
    def people(self, create, people, **kwargs):
        if create and people:
            RotationMember.objects.bulk_create(
                RotationMember(rotation=self, person=p, position=i) for i, p in enumerate(people)
            )


def rotation(
    *, team, people=(), start: str, shift: timedelta, tz: str = "America/Chicago", name="primary"
):
    """A rotation whose first handoff is `start` ("2026-11-02T09:00") on the wall clock of `tz`."""
    first = datetime.fromisoformat(start)
    return RotationFactory(
        team=team,
        name=name,
        timezone=tz,
        start_date=first.date(),
        start_time=first.time(),
        shift=shift,
        people=list(people),
    )


def override(*, rotation, person, start: str, end: str) -> Override:
    """An override written in the rotation's wall-clock time, as in the roster file."""
    tz = ZoneInfo(rotation.timezone)
    return Override.objects.create(
        rotation=rotation,
        person=person,
        starts_at=datetime.fromisoformat(start).replace(tzinfo=tz),
        ends_at=datetime.fromisoformat(end).replace(tzinfo=tz),
    )


class EscalationPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationPolicy
        django_get_or_create = ("team",)

    team = factory.SubFactory(TeamFactory)


class EscalationStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationStep

    policy = factory.SubFactory(EscalationPolicyFactory)
    position = factory.Sequence(int)
    targets = factory.LazyFunction(lambda: ["team"])
    wait = timedelta(minutes=2)
