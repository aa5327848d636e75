"""Small pieces the services share: the log line, the enqueue, and what follows a failure
(the next rule, and telling the engine when nothing reached a person)."""

import logging
from datetime import datetime

from django.conf import settings
from django_q.tasks import async_task

from notifications import queue
from notifications.models import Notification, NotificationLog
from notifications.selectors import unreached
from notifications.signals import state_logged

DELIVER_TASK = "notifications.tasks.deliver"

logger = logging.getLogger("notifications.delivery")


def log(notification: Notification | int, state: str, detail: str, *, at: datetime) -> None:
    pk = notification if isinstance(notification, int) else notification.pk
    NotificationLog.objects.create(notification_id=pk, state=state, detail=detail, at=at)
    state_logged.send(Notification, notification=notification, state=state, at=at)


def enqueue_delivery(notification_id: int) -> None:
    """Queue the delivery task. Called inside the caller's transaction: with the ORM broker the
    task row commits (or rolls back) with the notification. Should it be lost anyway (a worker
    killed mid-task), the clock's enqueue_due() queues it again. In the fast lane: a decided
    page goes before the next escalation step is worked out."""
    async_task(
        DELIVER_TASK,
        notification_id,
        group="deliver",
        task_name=f"deliver #{notification_id}",
        q_options=queue.fast_lane(),
    )


def move_on_to_next_rule(*, notification: Notification, why: str, now: datetime) -> int:
    """The person wasn't reached this way: their next pending contact rule for the same
    reference goes now instead of after its delay. Returns how many were pulled forward."""
    if notification.kind in Notification.NO_FOLLOW_UP:
        return 0  # a lost status message (or test page) is not a reason to page harder
    if notification.person_id is None:
        return 0  # a channel post: no person, so no next rule
    moved = 0
    for reference in notification.references:
        later = (
            Notification.objects.filter(
                person_id=notification.person_id,
                reference=reference,
                kind=Notification.Kind.PAGE,
                state=Notification.State.PENDING,
                # A page waiting for a storm's bundle (held_in set) is already under way.
                held_in__isnull=True,
                due_at__gt=now,
            )
            .order_by("due_at", "pk")
            .first()
        )
        if later is None:
            continue
        if Notification.objects.filter(pk=later.pk, state=Notification.State.PENDING).update(
            due_at=now, enqueued_at=now
        ):
            log(later, Notification.State.PENDING, f"moved forward: {why}", at=now)
            enqueue_delivery(later.pk)
            moved += 1
    return moved


def failed_for_good(
    *, notification: Notification, error: str, now: datetime, moved_because: str = ""
) -> None:
    """`notification` has just become `failed` and will not be tried again (the caller moved it,
    in this transaction). The person's next rule goes now (its log says `moved_because`,
    default "sms failed"); if that was their last way in, the engine is told
    (settings.NOTIFICATIONS_UNDELIVERABLE_TASK), in this transaction. A forward's failure is
    handed up too (settings.NOTIFICATIONS_FORWARD_FAILED_TASK, with its id)."""
    if notification.is_forward:
        # PagerDuty or a webhook refused it (an invalid routing key): the engine puts it on the
        # event's timeline and, when it was all a step reached, moves the escalation on.
        logger.error(
            "%s #%s to %s failed for good: %s",
            notification.kind,
            notification.pk,
            notification.addressee,
            error,
        )
        async_task(
            settings.NOTIFICATIONS_FORWARD_FAILED_TASK,
            notification.pk,
            group="forward-failed",
            task_name=f"forward failed #{notification.pk}",
        )
        return
    if notification.person_id is None:
        # A post to a channel (a step's target, or the notice that tells the team something
        # went wrong): there is nobody further to tell, so the log is the last resort.
        logger.error(
            "%s to %s failed for good: %s", notification.kind, notification.addressee, error
        )
        return
    why = moved_because or f"{notification.channel} failed"
    move_on_to_next_rule(notification=notification, why=why, now=now)
    if notification.kind in Notification.NO_FOLLOW_UP:
        return
    for reference in notification.references:
        failures = unreached(person_id=notification.person_id, reference=reference)
        if not failures:
            continue
        logger.warning(
            "%s could not be reached about %s: %s", notification.person, reference, failures
        )
        async_task(
            settings.NOTIFICATIONS_UNDELIVERABLE_TASK,
            notification.person_id,
            reference,
            [list(failure) for failure in failures],
            group="undeliverable",
            task_name=f"undeliverable {reference} person {notification.person_id}",
        )
