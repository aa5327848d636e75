"""What the engine notes as pages go out (notifications tells it through its `state_logged`
signal, in the transaction that logged the change): each page counted by channel and outcome
for /metrics, and an event's first page, once."""

import uuid
from datetime import datetime

from edrops import metrics
from edrops.db import add
from edrops.models import Event
from edrops.services import tallies
from notifications.models import Notification

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
    if isinstance(notification, int):
        notification = Notification.objects.only("channel", "kind", "content", "reference").get(
            pk=notification
        )
    if notification.kind not in PAGE_KINDS:
        return  # a status message ("acknowledged by bob") is not a page
    counted = [tallies.addition(metrics.PAGES, channel=notification.channel, outcome=outcome)]
    if state == State.SENT:
        for reference in notification.references:
            counted += first_page(reference=reference, at=at)
    add(counted)


def first_page(*, reference: str, at: datetime) -> list:
    """Note `at` as the event's first page unless it has one (a compare-and-set: two workers
    sending its first pages at once note one); the histogram's observation when it was."""
    try:
        event_id = uuid.UUID(reference)
    except ValueError:
        return []
    unpaged = Event.objects.filter(pk=event_id, first_paged_at__isnull=True)
    received = unpaged.values_list("created_at", flat=True).first()
    if received is None or not unpaged.update(first_paged_at=at):
        return []
    return tallies.observation(metrics.FIRST_PAGE, (at - received).total_seconds())
