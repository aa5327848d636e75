"""SMS through Twilio, with a status callback for delivered / undelivered."""

from django.conf import settings

from notifications.channels import twilio_api
from notifications.channels.base import Sent, TransportError
from notifications.models import Notification


def send(notification: Notification) -> Sent:
    if not notification.person.phone:
        raise TransportError(f"{notification.person} has no phone number", permanent=True)
    sid = twilio_api.call_twilio(
        twilio_api.client().messages.create,
        to=notification.person.phone,
        from_=settings.TWILIO_FROM_NUMBER,
        body=notification.text,
        status_callback=twilio_api.callback_url("twilio-status", notification),
    )
    return Sent(provider_id=sid)
