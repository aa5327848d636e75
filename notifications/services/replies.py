"""What providers tell us afterwards: delivery status, and replies from people."""

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from notifications import queue, selectors
from notifications.channels import TransportError, outbox, slack, uses_outbox
from notifications.models import Channel, InboundReply, Notification
from notifications.services.common import failed_for_good, log
from rosters.columns import fit_json, fit_text
from rosters.models import Person

logger = logging.getLogger(__name__)

State = Notification.State

DELIVERED = {"delivered", "completed", "read"}
# A call that rang out, was busy or failed reached nobody; an SMS the carrier gave up on neither.
NOT_REACHED = {"undelivered", "failed", "no-answer", "busy", "canceled"}


@transaction.atomic
def record_twilio_status(*, notification_id: int, params: Mapping[str, str]) -> str:
    """A Twilio status callback for a message or call we sent. Returns the resulting state, or
    '' when the callback changes nothing (an intermediate status, a stale or unknown SID)."""
    now = timezone.now()
    notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if notification is None:
        return ""
    sid = params.get("MessageSid") or params.get("CallSid") or ""
    if notification.provider_id and sid and sid != notification.provider_id:
        return ""  # a callback for an earlier attempt
    status = (params.get("MessageStatus") or params.get("CallStatus") or "").lower()
    if notification.state not in (State.SENDING, State.SENT):
        return ""
    if status in DELIVERED:
        notification.state, notification.delivered_at = State.DELIVERED, now
        notification.save(update_fields=["state", "delivered_at", "updated_at"])
        log(
            notification,
            State.DELIVERED,
            "answered" if "CallSid" in params else "delivered",
            at=now,
        )
        return notification.state
    if status in NOT_REACHED:
        code = params.get("ErrorCode")
        why = f"not reached: {status}" + (f" (twilio {code})" if code else "")
        notification.state, notification.last_error = State.FAILED, why
        notification.save(update_fields=["state", "last_error", "updated_at"])
        log(notification, State.FAILED, why, at=now)
        failed_for_good(
            notification=notification,
            error=why,
            now=now,
            moved_because=f"{notification.channel} {status}",
        )
        return notification.state
    return ""


def _person(channel: str, sender: str) -> Person | None:
    if not sender:
        return None
    if channel == Channel.SLACK:
        return Person.objects.filter(slack_user_id=sender).first()
    return Person.objects.filter(phone=sender).first()


@transaction.atomic
def record_reply(
    *,
    channel: str,
    sender: str,
    text: str,
    raw: dict[str, Any],
    action: str = "",
    notification: Notification | None = None,
    provider_key: str = "",
) -> InboundReply | None:
    """Store a reply and hand it upward: settings.NOTIFICATIONS_REPLY_TASK is queued with the
    reply's id in the same transaction (the engine decides what it means).

    A reply is applied at most once: `provider_key` is the provider's own id for it (see
    `callback_key`), and a callback whose key was seen before is a replay (a provider's retry,
    or a captured signed "ack all" sent again): nothing is stored or queued, and None is
    returned. The signature alone can't tell: it is as valid the second time.

    What the provider sent is stored as far as the columns hold it (a sender longer than any
    phone number or Slack id, a NUL in a text): a callback is never refused for it, and such a
    sender is nobody on the roster anyway."""
    field = InboundReply._meta.get_field
    sender, text = fit_text(field("sender"), sender), fit_text(field("text"), text)
    action = fit_text(field("action"), action)
    provider_key = fit_text(field("provider_key"), provider_key)
    # On Slack the clicker may be anyone in the team channel, so the sender decides who it was.
    person = _person(channel, sender)
    if person is None and notification is not None and channel == Channel.VOICE:
        person = notification.person
    if provider_key and InboundReply.objects.filter(provider_key=provider_key).exists():
        log_replay(channel=channel, provider_key=provider_key)
        return None
    try:
        with transaction.atomic():  # a savepoint: a replay racing its original loses here
            reply = InboundReply.objects.create(
                channel=channel,
                person=person,
                notification=notification,
                sender=sender,
                text=text.strip(),
                action=action,
                received_at=timezone.now(),
                raw=fit_json(raw),
                provider_key=provider_key,
            )
    except IntegrityError:
        if not provider_key:
            raise
        log_replay(channel=channel, provider_key=provider_key)
        return None
    # In the fast lane: an acknowledgement stops pages, it must not wait behind a storm.
    async_task(
        settings.NOTIFICATIONS_REPLY_TASK,
        reply.pk,
        group="reply",
        task_name=f"reply #{reply.pk}",
        q_options=queue.fast_lane(),
    )
    return reply


def callback_key(*parts: str) -> str:
    """The key of one callback: its kind and the provider's ids for it (`twilio-sms`, the
    MessageSid); '' when an id is missing (nothing to recognise a replay by)."""
    return ":".join(parts) if all(parts[1:]) else ""


def log_replay(*, channel: str, provider_key: str) -> None:
    logger.warning("%s callback %s was applied before: ignored as a replay", channel, provider_key)


def answer_click(*, reply: InboundReply, text: str) -> bool:
    """Tell only the person who clicked a Slack button, in the channel they clicked in (an
    ephemeral message): e.g. that the event is not theirs to answer. Sent once, now: it answers
    one click and pages nobody, so a provider error is logged, not retried. Whether it went."""
    channel = selectors.clicked_in(reply=reply)
    if not channel or not reply.sender:
        return False
    transport = outbox if uses_outbox(Channel.SLACK) else slack
    try:
        transport.tell_only(channel=channel, user=reply.sender, text=text)
    except TransportError as error:
        logger.warning("could not answer %s's click in %s: %s", reply.sender, channel, error)
        return False
    return True
