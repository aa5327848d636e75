"""Channels: how a rendered Notification reaches a person. One small contract, as in
Healthchecks' transports:

    send(notification) -> Sent         the provider took it (its id, for status callbacks)
    raises TransportError(permanent=…)  it didn't; permanent means "don't try this again"

Rendering happens before (`notification.text` is what goes out), state changes after, both in
`notifications.services.delivery`. A channel whose provider has no credentials is replaced by
the outbox, so `make run` shows every page without accounts.
"""

import math
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


# However long a provider asks us to wait, a page is tried again within this.
RETRY_AFTER_MAX = 300.0


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (None: absent, or a date we don't read), at most
    RETRY_AFTER_MAX: a response window is minutes long."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


def refused(message: str, *, status: int, retry_after: str | None = None) -> TransportError:
    """An HTTP answer other than success, as a TransportError: 429 is tried again after its
    Retry-After, a 5xx after the back-off; anything else (400, 401, 404, a redirect) would be
    answered the same again, so it is permanent."""
    if status == 429:
        seconds = retry_after_seconds(retry_after)
        return TransportError(f"{message}, rate limited", retry_after=seconds)
    return TransportError(message, permanent=status < 500)


def slack_configured() -> bool:
    return bool(settings.SLACK_BOT_TOKEN)


def twilio_configured() -> bool:
    return bool(
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    )


__all__ = ["Notification", "Sent", "TransportError", "refused", "retry_after_seconds"]
