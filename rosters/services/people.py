"""A person's own details: how to reach them, in what order, and when they work. Written by
the roster file, the admin and the person themselves on their profile page."""

from datetime import time, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from rosters.models import Channel, ContactRule, Person
from rosters.services.ordered import write_in_order
from rosters.validators import MAX_DURATION


def set_contact_rules(*, person: Person, rules: list[tuple[str, timedelta]]) -> bool:
    """The person's contact rules become `rules` [(channel, delay), ...], in that order.
    Returns whether anything changed."""
    return write_in_order(
        rows=list(person.contact_rules.all()),
        wanted=[{"channel": channel, "delay": delay} for channel, delay in rules],
        new=partial(ContactRule, person=person),
    )


def update_own_details(
    *,
    person: Person,
    email: str,
    phone: str,
    slack_user_id: str,
    timezone: str,
    work_starts: time | None,
    work_ends: time | None,
    rules: list[tuple[str, timedelta]],
) -> Person:
    """What a person may change about themselves (their handle, name, login and teams are the
    ops lead's): all of it or, with any invalid value (ValidationError, by field), none of it.
    Only the values that differ are written."""
    wanted = {
        "email": email,
        "phone": phone,
        "slack_user_id": slack_user_id,
        "timezone": timezone,
        "work_starts": work_starts,
        "work_ends": work_ends,
    }
    for channel, delay in rules:
        if channel not in Channel.values:
            raise ValidationError({"rules": f"{channel!r} is not a channel."})
        if not timedelta(0) <= delay <= MAX_DURATION:
            raise ValidationError({"rules": "A rule's delay is between 0s and 52w."})
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        stored = {name: getattr(locked, name) for name in wanted}
        for name, value in wanted.items():
            setattr(locked, name, value)
        locked.full_clean()  # the admin's checks; also writes the phone number as E.164
        dirty = [name for name in wanted if getattr(locked, name) != stored[name]]
        if dirty:
            locked.save(update_fields=dirty)
        set_contact_rules(person=locked, rules=rules)
    return locked
