"""Test pages: "This is a test page from edrops" on every way a person can be reached, so a
wrong number is found on a quiet afternoon rather than by a dispatch at 3 a.m. (API.md §4,
`/api/v1/people/<handle>/test-page`).

A test page is a Notification of kind `test`, one per contact method, all sharing a reference
`test-page:<uuid>`; it is about no event. It goes through the same claim, channels, retries,
outbox and Twilio status callbacks as a page (so "delivered" and "failed + why" come from the
provider exactly as for a real page), but it is never held back by the per-person limits (a
test that a limit swallowed would prove nothing), counts against none, moves no contact rule
forward when it fails, and tells the engine nothing.
"""

import uuid
from datetime import datetime, timedelta

from django.db import transaction

from notifications.models import Channel, Notification
from notifications.services.scheduling import _create
from rosters.models import Person
from rosters.selectors import ADDRESS, contact_plan

TEXT = "This is a test page from edrops"
REFERENCE_PREFIX = "test-page:"
# A second press of the button within this gets a clear "wait" (a 429), not a second call.
AGAIN_AFTER = timedelta(minutes=1)


class NothingToTest(Exception):
    """The person has no phone number, email address or Slack user id."""


class TooSoonForTestPage(Exception):
    """A test page went to this person less than AGAIN_AFTER ago."""

    def __init__(self, *, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"a test page went out less than a minute ago; again in {retry_after} s")


def contact_methods(*, person: Person) -> list[tuple[str, str]]:
    """(channel, address) for every way edrops may reach the person: the channels of their
    contact rules, in order, then every other channel they have an address for (Slack user id:
    Slack; phone: SMS and a call; email: email). A rule whose address is missing is listed with
    an empty one: its test fails, saying so."""
    channels = [step.channel for step in contact_plan(person=person)]
    channels += [c for c, (field, _) in ADDRESS.items() if getattr(person, field)]
    return [(c, getattr(person, ADDRESS[Channel(c)][0])) for c in dict.fromkeys(channels)]


@transaction.atomic
def send_test_page(*, person: Person, requested_by: str, now: datetime) -> str:
    """One test page on each of the person's contact methods, due now; returns their shared
    reference. Raises NothingToTest, or TooSoonForTestPage when one went out within a minute."""
    methods = contact_methods(person=person)
    if not any(address for _, address in methods):
        raise NothingToTest(person.handle)
    # The person's row serializes two presses of the button (as it serializes deliveries).
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    last = (
        Notification.objects.filter(person=person, kind=Notification.Kind.TEST)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None and now - last < AGAIN_AFTER:
        wait = (last + AGAIN_AFTER - now).total_seconds()
        raise TooSoonForTestPage(retry_after=max(1, int(wait)))
    reference = f"{REFERENCE_PREFIX}{uuid.uuid4()}"
    said = f"{TEXT}, sent at {requested_by}'s request. Nothing to acknowledge."
    for channel, address in methods:
        _create(
            now=now,
            person=person,
            channel=channel,
            kind=Notification.Kind.TEST,
            reference=reference,
            content={"text": said, "to": address, "requested_by": requested_by},
            due_at=now,
        )
    return reference
