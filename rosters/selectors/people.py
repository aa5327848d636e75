"""Reads about a person: how they are reached, and who leads a team."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from rosters.models import (
    Channel,
    ContactRule,
    Person,
    Role,
    Team,
)


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
