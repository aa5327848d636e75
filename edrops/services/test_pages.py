"""A test page asked for by someone (API.md §4, `/api/v1/people/<handle>/test-page`; the
profile's "Send me a test page"; the admin's "Send a test page"): who may ask is edrops'
question (`permissions.may_test_page`), the sending is notifications'. A test page is about
no event: nothing appears on the board, and nobody's limits count it."""

from datetime import datetime

from edrops.permissions import Actor, check_may_test_page
from notifications import selectors
from notifications import services as notifications
from notifications.selectors import SentTestPage
from rosters.models import Person


def send_test_page(*, actor: Actor, person: Person, now: datetime) -> SentTestPage:
    """A test page on each of `person`'s contact methods, as `actor`. Raises
    permissions.MayNotTestPage, notifications' NothingToTest or TooSoonForTestPage."""
    check_may_test_page(actor=actor, person=person)
    reference = notifications.send_test_page(
        person=person, requested_by=requester(actor), now=now
    )
    return selectors.sent_test_pages(references=[reference])[reference]


def requester(actor: Actor) -> str:
    """Who asked, as the message and the results name them: a handle, else a login."""
    if actor.person is not None:
        return actor.person.handle
    return actor.user.get_username() if actor.user is not None else "edrops"
