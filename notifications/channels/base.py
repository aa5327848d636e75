"""Channels: how a rendered Notification reaches a person. One small contract, as in
Healthchecks' transports:

    send(notification) -> Sent         the provider took it (its id, for status callbacks)
    raises TransportError(permanent=…)  it didn't; permanent means "don't try this again"

Rendering happens before (`notification.text` is what goes out), state changes after, both in
`notifications.services.delivery`. A channel whose provider has no credentials is replaced by
the outbox, so `make run` shows every page without accounts.
"""

from dataclasses import dataclass

from django.conf import settings

from notifications.models import Notification


@dataclass(frozen=True)
class Sent:
    provider_id: str
    detail: str = ""


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after  # seconds the provider asked us to wait (Slack 429)


def slack_configured() -> bool:
    return bool(settings.SLACK_BOT_TOKEN)


def twilio_configured() -> bool:
    return bool(
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    )


__all__ = ["Notification", "Sent", "TransportError"]
