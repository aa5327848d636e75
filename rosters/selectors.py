"""Reads of the rosters app: who, and when."""

from dataclasses import dataclass
from datetime import timedelta

from rosters.models import Channel, ContactRule, Person


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
