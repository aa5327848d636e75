"""Forwards: an event handed to a service outside (PagerDuty, a signed webhook) as one more
Notification, so it has every guarantee a page has (queued with the caller's transaction,
claimed once, retried with back-off or Retry-After, recovered from `sending`, its failures on
the timeline). The engine renders what each message says; this app sends it as it is.

Per reference and destination, messages go in the order they were made (a resolve never
overtakes its trigger: PagerDuty drops an acknowledge for an incident it hasn't opened yet, and
the trigger would then open one nobody closes): `delivery.waiting_behind` keeps that order at
the claim.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Notification, Outbound, shown_destination
from notifications.services.scheduling import _create

State = Notification.State
Kind = Notification.Kind

TRIGGER = "trigger"


@transaction.atomic
def schedule_forward(
    *, channel: str, destination: str, reference: str, content: dict, due_at: datetime
) -> Notification | None:
    """Forward `reference` to a service: `content["action"]` "trigger" (a page: once per
    reference and destination until it is answered; None when it was already forwarded), or
    "acknowledge"/"resolve" (a status message that follows a trigger, always made)."""
    if channel not in Outbound.values or not destination:
        raise ValueError(f"not a forward: {channel}:{destination}")
    kind = Kind.PAGE if content.get("action") == TRIGGER else Kind.STATUS
    if kind == Kind.PAGE and _open_trigger(reference, channel, destination).exists():
        return None
    try:
        with transaction.atomic():  # a concurrent step may have just made the same trigger
            return _create(
                now=timezone.now(),
                person=None,
                channel=channel,
                destination=destination,
                kind=kind,
                reference=reference,
                content=content,
                text=f"{content.get('action', '')}: {content.get('summary', '')}"[:500],
                due_at=due_at,
            )
    except IntegrityError:
        return None


def _open_trigger(reference: str, channel: str, destination: str):
    return Notification.objects.filter(
        reference=reference,
        channel=channel,
        destination=destination,
        kind=Kind.PAGE,
        answered_at__isnull=True,
    )


@dataclass(frozen=True)
class Forwarded:
    """A destination that has heard of a reference, and the last thing it was told."""

    channel: str
    destination: str
    last_action: str

    @property
    def shown(self) -> str:
        return shown_destination(self.channel, self.destination)


def forwarded(*, reference: str) -> list[Forwarded]:
    """Every destination a trigger about `reference` was sent (or tried: it may have got
    there before a timeout), with the last action sent or queued to it since, oldest first.
    A trigger cancelled before its first attempt never reached anyone, and one that failed for
    good opened nothing there: neither counts."""
    rows = (
        Notification.objects.filter(reference=reference, channel__in=Outbound.values)
        .exclude(state=State.SUPPRESSED, attempts=0)
        .exclude(kind=Kind.PAGE, state=State.FAILED)
        .order_by("pk")
        .values_list("channel", "destination", "kind", "content")
    )
    last: dict[tuple[str, str], str] = {}
    for channel, destination, kind, content in rows:
        action = (content or {}).get("action", "")
        if kind == Kind.PAGE or (channel, destination) in last:
            last[(channel, destination)] = action
    return [Forwarded(c, d, action) for (c, d), action in last.items()]
