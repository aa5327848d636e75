"""What was sent, said again: once an event is answered, every Slack message about it is
rewritten to say so (its button goes), and a bundle holding one of its pages gets the answer on
that page's line. The rewrite goes through the channel that posted the message
(`channels.updater_for`)."""

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from notifications import channels, slack_blocks
from notifications.channels import TransportError
from notifications.content import PageContent
from notifications.models import Notification, SlackMessage


@transaction.atomic
def update_slack_messages(*, reference: str, text: str, title: str = "") -> int:
    """Rewrite every Slack message about `reference` with `text` (plain text, e.g. "Acknowledged
    by bob via sms at 14:02"), under `title` in bold when given (the event's summary): its
    pages and notices lose their button, and so does a bundle holding one of its pages once
    every page in it is answered (until then `text` goes on that page's line). Both are
    escaped here. Queued, one task per message; returns how many."""
    messages = SlackMessage.objects.filter(notification__reference=reference)
    rewritten = slack_blocks.status_text(text, title=title)
    count = 0
    for message in messages:
        async_task(
            "notifications.tasks.update_slack_message",
            message.pk,
            rewritten,
            group="slack-update",
            task_name=f"update slack {message.channel} {message.ts}",
        )
        count += 1
    Notification.objects.filter(reference=reference, answered_at__isnull=True).update(
        answered_at=timezone.now()
    )
    holding = Notification.objects.filter(
        kind=Notification.Kind.BUNDLE, held_pages__reference=reference
    )
    for bundle in Notification.objects.select_for_update().filter(pk__in=holding.values("pk")):
        answered = {**bundle.content.get("answered", {}), reference: text}
        Notification.objects.filter(pk=bundle.pk).update(
            content={**bundle.content, "answered": answered}
        )
        for message in bundle.slack_messages.all():
            # The worker renders the bundle as its answers stand when it runs, so two answers'
            # tasks may run in either order.
            async_task(
                "notifications.tasks.refresh_bundle_message",
                message.pk,
                group="slack-update",
                task_name=f"refresh slack bundle {message.channel} {message.ts}",
            )
            count += 1
    return count


def update_slack_message(*, message_id: int, text: str) -> None:
    """Worker side of update_slack_messages."""
    _rewrite(SlackMessage.objects.select_related("notification").get(pk=message_id), text)


def refresh_bundle_message(*, message_id: int) -> None:
    """Worker side of update_slack_messages for a bundle: its text with every answer so far."""
    message = SlackMessage.objects.select_related("notification").get(pk=message_id)
    bundle = message.notification
    answered = bundle.content.get("answered", {})
    references = dict(
        Notification.objects.filter(pk__in=bundle.content["notifications"]).values_list(
            "pk", "reference"
        )
    )
    answers = [answered.get(references.get(pk), "") for pk in bundle.content["notifications"]]
    text = slack_blocks.bundle_text(
        [PageContent.from_json(c) for c in bundle.content["pages"]],
        reason=bundle.content.get("reason", "rate limit"),
        answers=answers,
    )
    if all(answers):
        _rewrite(message, text)
    else:
        _rewrite(message, text, blocks=slack_blocks.bundle_blocks(text, bundle_id=bundle.pk))


def _rewrite(message: SlackMessage, text: str, blocks: list | None = None) -> None:
    """A transient error raises (django-q retries it); a permanent one (message deleted,
    channel archived) is given up quietly."""
    try:
        channels.updater_for(message).update(message=message, text=text, blocks=blocks)
    except TransportError as error:
        if not error.permanent:
            raise
