"""Small pieces the services share: the log line, the enqueue, moving on to the next rule."""

from datetime import datetime

from django_q.tasks import async_task

from notifications.models import Notification, NotificationLog

DELIVER_TASK = "notifications.tasks.deliver"


def log(notification: Notification | int, state: str, detail: str, *, at: datetime) -> None:
    pk = notification if isinstance(notification, int) else notification.pk
    NotificationLog.objects.create(notification_id=pk, state=state, detail=detail, at=at)


def enqueue_delivery(notification_id: int) -> None:
    """Queue the delivery task. Called inside the caller's transaction: with the ORM broker the
    task row commits (or rolls back) with the notification. Should it be lost anyway (a Redis
    broker, a crash), the clock's enqueue_due() queues it again."""
    async_task(
        DELIVER_TASK, notification_id, group="deliver", task_name=f"deliver #{notification_id}"
    )


def move_on_to_next_rule(*, notification: Notification, why: str, now: datetime) -> int:
    """The person wasn't reached this way: their next pending contact rule for the same
    reference goes now instead of after its delay. Returns how many were pulled forward."""
    if notification.kind == Notification.Kind.STATUS:
        return 0  # a lost status message is not a reason to page harder
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
