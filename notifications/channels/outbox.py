"""The outbox: what Slack or Twilio would have been sent, stored and shown at /outbox/ when
their credentials are absent. Never loses a page, needs no account."""

from notifications.channels.base import Sent, TransportError
from notifications.models import Channel, Notification, OutboxMessage, SlackMessage


def destinations(notification: Notification) -> list[str]:
    person = notification.person
    if person is None:
        return [notification.slack_channel]
    if notification.channel == Channel.SLACK:
        team = [notification.team_slack_channel] if notification.team_slack_channel else []
        return [*team, person.slack_user_id or f"@{person.handle}"]
    if notification.channel == Channel.EMAIL:
        return [person.email]
    return [person.phone]


def send(notification: Notification) -> Sent:
    to = [d for d in destinations(notification) if d]
    if not to:
        raise TransportError(
            f"{notification.addressee} has no {notification.channel} address", permanent=True
        )
    entries = [
        OutboxMessage.objects.create(
            notification=notification,
            channel=notification.channel,
            to=address,
            subject=notification.subject,
            text=notification.text,
        )
        for address in to
    ]
    if notification.channel == Channel.SLACK:
        # Stand-ins for the Slack messages, so an update after an acknowledgement shows too.
        channels = {notification.team_slack_channel, notification.slack_channel} - {""}
        for entry in entries:
            SlackMessage.objects.create(
                notification=notification,
                channel=entry.to,
                ts=f"outbox-{entry.pk}",
                is_direct=entry.to not in channels,
            )
    return Sent(provider_id=f"outbox-{entries[0].pk}", detail=f"outbox ({', '.join(to)})")


def update(*, message: SlackMessage, text: str, blocks: list | None = None) -> None:
    OutboxMessage.objects.create(
        notification=message.notification,
        channel=Channel.SLACK,
        to=message.channel,
        subject="(update of an earlier message)",
        text=text,
    )


def tell_only(*, channel: str, user: str, text: str) -> None:
    """What Slack would have shown `user` alone in `channel`."""
    OutboxMessage.objects.create(
        channel=Channel.SLACK, to=f"{user} only, in {channel}"[:255], text=text
    )


def keep(*, to: str, subject: str, text: str) -> OutboxMessage:
    """A message kept in the outbox that no provider is to send (a test dispatch's record,
    API.md §4): shown at /outbox/ like the rest."""
    return OutboxMessage.objects.create(
        channel=Channel.SLACK, to=to[:255], subject=subject[:255], text=text
    )
