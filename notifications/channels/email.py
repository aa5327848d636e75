"""Email through Django's mail backend (EMAIL_URL; the console without one)."""

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from notifications import rendering
from notifications.channels.base import Sent, TransportError
from notifications.models import Notification


def send(notification: Notification) -> Sent:
    if not notification.person.email:
        raise TransportError(f"{notification.person} has no email address", permanent=True)
    message_id = make_msgid(domain="edrops")
    message = EmailMessage(
        # Rendered as one line already; a header with a line break would raise BadHeaderError.
        subject=rendering.one_line(
            notification.subject or notification.text, limit=rendering.EMAIL_SUBJECT_MAX
        ),
        body=notification.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.person.email],
        headers={"Message-ID": message_id},
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise TransportError(f"email refused: {error.recipients}", permanent=True) from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransportError(f"email: {error}") from error
    return Sent(provider_id=message_id.strip("<>")[:64])
