"""What the engine notes as pages go out (notifications tells it through its `state_logged`
signal, in the transaction that logged the change): each page counted by channel and outcome
for /metrics, and an event's first page, once.

Counting must never stop a page from being recorded: a failure here is logged and rolled back
to a savepoint, and the delivery's own transaction goes on (otherwise a page already handed to
the provider would stay `sending` and be sent again)."""

import logging
import uuid
from datetime import datetime

from django.db import transaction

from edrops import metrics
from edrops.db import add
from edrops.models import Event
from edrops.services import tallies
from notifications.models import Notification

logger = logging.getLogger(__name__)

State = Notification.State
# Each happens to a page at most once: it reached the provider, the provider confirmed it, it
# failed for good (whether or not it had reached the provider).
OUTCOMES = {State.SENT: "sent", State.DELIVERED: "delivered", State.FAILED: "failed"}
PAGE_KINDS = {Notification.Kind.PAGE, Notification.Kind.BUNDLE}


def page_logged(*, notification: Notification | int, state: str, at: datetime, **_) -> None:
    """The receiver of notifications' `state_logged` (connected in EdropsConfig.ready)."""
    outcome = OUTCOMES.get(state)
    if outcome is None:
        return
    try:
        with transaction.atomic():
            _count(notification=notification, outcome=outcome, at=at)
    except Exception:
        logger.exception("could not count notification %s as %s", notification, outcome)


def _count(*, notification: Notification | int, outcome: str, at: datetime) -> None:
    if isinstance(notification, int):
        notification = Notification.objects.only("channel", "kind", "content", "reference").get(
            pk=notification
        )
    if notification.kind not in PAGE_KINDS:
        return  # a status message ("acknowledged by bob") is not a page
    counted = [tallies.addition(metrics.PAGES, channel=notification.channel, outcome=outcome)]
    if outcome == "sent":
        counted += first_pages(references=notification.references, at=at)
    add(counted)


def first_pages(*, references: list[str], at: datetime) -> list:
    """Note `at` as the first page of each referenced event that has none, by compare-and-set
    (two workers sending an event's first pages at once note one), in three queries however
    many a bundle carries; the histogram's observations for those it noted."""
    ids = []
    for reference in references:
        try:
            ids.append(uuid.UUID(reference))
        except ValueError:
            continue
    unpaged = Event.objects.filter(pk__in=ids, first_paged_at__isnull=True)
    received = dict(unpaged.values_list("pk", "created_at"))
    if not received:
        return []
    noted = unpaged.filter(pk__in=list(received)).update(first_paged_at=at)
    if noted != len(received):  # another worker noted some in between: which are ours?
        mine = Event.objects.filter(pk__in=list(received), first_paged_at=at)
        ours = set(mine.values_list("pk", flat=True))
        received = {pk: t for pk, t in received.items() if pk in ours}
    seconds = [(at - t).total_seconds() for t in received.values()]
    return tallies.observations(metrics.FIRST_PAGE, seconds)
