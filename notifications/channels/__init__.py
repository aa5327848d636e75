"""The channels, and which one carries a notification (the outbox when a provider has no
credentials). The contract is in `base.py`: every channel sends; those whose messages can be
changed afterwards (Slack, and the outbox standing in for it) also update. Forwards (PagerDuty,
a webhook) have no outbox: their destination is named in the step, so there is nothing to
stand in for."""

from typing import Protocol

from notifications.channels import email, outbox, pagerduty, slack, sms, voice, webhook
from notifications.channels.base import Sent, TransportError, slack_configured, twilio_configured
from notifications.models import Channel, Notification, Outbound, SlackMessage

__all__ = [
    "Sent",
    "Transport",
    "TransportError",
    "Updating",
    "transport_for",
    "updater_for",
    "uses_outbox",
]


class Transport(Protocol):
    def send(self, notification: Notification) -> Sent: ...


class Updating(Transport, Protocol):
    def update(self, *, message: SlackMessage, text: str, blocks: list | None = None) -> None:
        """Replace a message sent earlier; raises TransportError like send."""


def uses_outbox(channel: str) -> bool:
    if channel == Channel.SLACK:
        return not slack_configured()
    if channel in (Channel.SMS, Channel.VOICE):
        return not twilio_configured()
    return False


def transport_for(channel: str) -> Transport:
    if uses_outbox(channel):
        return outbox
    return {
        Channel.SLACK: slack,
        Channel.SMS: sms,
        Channel.VOICE: voice,
        Channel.EMAIL: email,
        Outbound.PAGERDUTY: pagerduty,
        Outbound.WEBHOOK: webhook,
    }[channel]


def updater_for(message: SlackMessage) -> Updating:
    """Where a posted message is changed: where it went (a message the outbox took stays
    there, even once Slack has credentials)."""
    if message.ts.startswith("outbox-") or uses_outbox(Channel.SLACK):
        return outbox
    return slack
