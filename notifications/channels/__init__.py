"""The channels, and which one carries a notification (the outbox when a provider has no
credentials). The contract is in `base.py`."""

from typing import Protocol

from notifications.channels import email, outbox, slack, sms, voice
from notifications.channels.base import Sent, TransportError, slack_configured, twilio_configured
from notifications.models import Channel, Notification

__all__ = ["Sent", "Transport", "TransportError", "transport_for", "uses_outbox"]


class Transport(Protocol):
    def send(self, notification: Notification) -> Sent: ...


def uses_outbox(channel: str) -> bool:
    if channel == Channel.SLACK:
        return not slack_configured()
    if channel in (Channel.SMS, Channel.VOICE):
        return not twilio_configured()
    return False


def transport_for(channel: str) -> Transport:
    if uses_outbox(channel):
        return outbox
    return {Channel.SLACK: slack, Channel.SMS: sms, Channel.VOICE: voice, Channel.EMAIL: email}[
        Channel(channel)
    ]
