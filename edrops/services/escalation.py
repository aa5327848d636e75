"""The start of escalation. The escalation engine (a later issue) replaces `request_escalation`'s
body with the real step: find who is on call, create their notifications, arm the next step."""

import logging
import uuid
from datetime import datetime

from django.db import transaction

from edrops.models import Event

logger = logging.getLogger(__name__)


def request_escalation(*, event_id: uuid.UUID | str, now: datetime) -> bool:
    """Record that the event's first escalation step is due. False when there is nothing to do
    (the event is gone, or no longer triggered: someone acknowledged it or it was closed)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.status != Event.Status.TRIGGERED:
            logger.info("escalation of %s not needed: %s", event_id, event and event.status)
            return False
        if event.escalation_requested_at is None:
            event.escalation_requested_at = now
            event.save(update_fields=["escalation_requested_at"])
        logger.info("escalation due for %s (%s)", event.id, event.external_id)
        return True
