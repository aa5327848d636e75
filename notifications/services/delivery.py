"""The delivery task's logic: claim, throttle, render, send, record.

Claim: inside one short transaction the person's row is locked (so two workers can't both
decide "one more fits under the limit"), the notification is checked to be still `pending` and
due, and moved to `sending` with a compare-and-set. Only the worker whose UPDATE matched sends;
a duplicate task, or a second worker racing on the same row, finds nothing to do.

Send: outside any transaction (a provider call must not hold locks). Then record:
- sent: provider id, `sent`; status callbacks later say `delivered` or `failed`;
- transient error: back to `pending`, due after an exponential back-off (or Slack's
  Retry-After), re-queued by the clock; after MAX_ATTEMPTS, `failed`;
- permanent error (Twilio 21211, Slack channel_not_found): `failed` at once, and the person's
  next contact rule for the same reference is moved forward to now;
- anything else a channel (or the rendering) raises: a bug, or a provider answering in a way
  we never mapped. It is a permanent failure too: the same input fails the same way again,
  and five retries would spend minutes of a response window before the next rule goes. The
  traceback goes to the log, the exception's type and message to the notification's log.
When the failed page was the person's last way in, the engine is told (`failed_for_good`).

A channel post (no person) is claimed, sent and recorded the same way, without the person's
lock or limits (see `schedule_channel_page`); so is a forward (PagerDuty, a webhook), which
also waits for the message before it to the same destination (`waiting_behind`).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import channels, queue, rendering, slack_blocks, throttle
from notifications.channels import Sent, TransportError
from notifications.content import PageContent
from notifications.models import Channel, Notification
from notifications.services import bundling
from notifications.services.common import failed_for_good, log, logger
from rosters.models import Person

State = Notification.State
Kind = Notification.Kind

MAX_ATTEMPTS = 5
BACKOFF_FIRST = timedelta(seconds=10)
BACKOFF_MAX = timedelta(minutes=5)
# How long a forward waits for the one before it to the same destination to be decided.
ORDER_WAIT = timedelta(seconds=1)


# What `deliver` returns when it went as far as a provider (whatever the provider answered).
REACHED_PROVIDER = frozenset({"sent", "retry", "failed"})


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s, ... after the 1st, 2nd, 3rd failed attempt; at most 5 min."""
    return min(BACKOFF_FIRST * 2 ** max(0, attempts - 1), BACKOFF_MAX)


def deliver(*, notification_id: int) -> str:
    """Send one notification if it is still pending and due; returns what happened (for the
    task's result and the tests)."""
    with transaction.atomic():
        notification, outcome = _claim(notification_id)
    if notification is None:
        return outcome
    try:
        sent = channels.transport_for(notification.channel).send(notification)
    except TransportError as error:
        return _record_error(notification, error)
    except Exception as error:
        logger.exception("%s: the channel raised %s", notification, type(error).__name__)
        return _record_error(notification, unexpected(error))
    return _record_sent(notification, sent)


def unexpected(error: Exception) -> TransportError:
    """An exception no channel mapped, as a permanent failure whose message names it (type and
    message on one line, not the traceback: that is in the log)."""
    message = rendering.one_line(f"{type(error).__name__}: {error}", limit=500)
    return TransportError(message, permanent=True)


def _claim(notification_id: int) -> tuple[Notification | None, str]:
    row = Notification.objects.filter(pk=notification_id).values_list("person_id").first()
    if row is None:
        return None, "gone"
    person_id = row[0]
    if person_id is not None:
        # Serializes this person's deliveries (PostgreSQL; SQLite's IMMEDIATE transactions
        # already serialize every writer), so the limits below are never overshot by a race.
        # A channel post has no person and no limit to count: the compare-and-set below is
        # all the claim it needs.
        list(Person.objects.select_for_update().filter(pk=person_id).values_list("pk"))
    # Read the time only now that we hold the lock: sends are stamped in the order they were
    # decided, so each decision counts every send decided before it.
    now = timezone.now()
    notification = (
        Notification.objects.select_related("person")
        .filter(pk=notification_id, state=State.PENDING, due_at__lte=now)
        .first()
    )
    if notification is None:
        return None, "not pending, or not due yet"
    if notification.is_forward and waiting_behind(notification, now=now):
        return None, "waiting for the message before it"

    if person_id is not None and notification.kind in throttle.COUNTED_KINDS:
        # May be another row: a bundle standing for this page, or the page its bundle lets go.
        notification, outcome = bundling.within_limits(notification, now=now)
        if notification is None:
            return None, outcome

    try:
        _render(notification, now=now)
    except Exception as error:
        # Rendering touches no table, so the claim's transaction is still good to write in.
        logger.exception("%s: rendering raised %s", notification, type(error).__name__)
        why = unexpected(error).message
        if Notification.objects.filter(pk=notification.pk, state=State.PENDING).update(
            state=State.FAILED, last_error=why
        ):
            log(notification, State.FAILED, why, at=now)
            failed_for_good(notification=notification, error=why, now=now)
        return None, "failed"
    notification.via_outbox = channels.uses_outbox(notification.channel)
    claimed = Notification.objects.filter(pk=notification.pk, state=State.PENDING).update(
        state=State.SENDING,
        sent_at=now,
        sending_task=queue.running_task(),
        attempts=F("attempts") + 1,
        text=notification.text,
        subject=notification.subject,
        content=notification.content,
        via_outbox=notification.via_outbox,
    )
    if not claimed:
        return None, "taken by another worker"
    notification.state, notification.sent_at = State.SENDING, now
    notification.attempts += 1
    log(notification, State.SENDING, f"attempt {notification.attempts}", at=now)
    return notification, "claimed"


def waiting_behind(notification: Notification, *, now: datetime) -> bool:
    """Whether an earlier forward to the same destination about the same reference is still
    undecided (pending or being sent): then this one waits ORDER_WAIT and is claimed again, so
    a service hears trigger, acknowledge and resolve in that order."""
    earlier = Notification.objects.filter(
        Q(state=State.PENDING) | Q(state=State.SENDING),
        reference=notification.reference,
        channel=notification.channel,
        destination=notification.destination,
        pk__lt=notification.pk,
    )
    if not earlier.exists():
        return False
    Notification.objects.filter(pk=notification.pk, state=State.PENDING).update(
        due_at=now + ORDER_WAIT, enqueued_at=None
    )
    return True


def _render(notification: Notification, *, now: datetime) -> None:
    if notification.is_forward:
        return  # the engine rendered it for the service; `text` says what it is
    tz = notification.tz
    channel = notification.channel
    if notification.kind in (Kind.STATUS, Kind.TEST):
        said = notification.content["text"]
        notification.text = (
            slack_blocks.status_text(said)
            if channel == Channel.SLACK
            else rendering.render_status(channel, said)
        )
        notification.subject = rendering.one_line(said, limit=rendering.EMAIL_SUBJECT_MAX)
        return
    if notification.kind == Kind.BUNDLE:
        pages = [PageContent.from_json(c) for c in notification.content["pages"]]
        reason = notification.content.get("reason", "rate limit")
        if channel == Channel.SLACK:
            notification.text = slack_blocks.bundle_text(pages, reason=reason)
            notification.subject = rendering.render_bundle(channel, pages, reason=reason)[0]
            return
        notification.subject, notification.text = rendering.render_bundle(
            channel, pages, reason=reason
        )
        return
    content = PageContent.from_json(notification.content)
    if channel == Channel.SMS:
        notification.text = rendering.render_sms(content, tz=tz, now=now)
    elif channel == Channel.VOICE:
        notification.text = rendering.render_voice(content, tz=tz, now=now)
    elif channel == Channel.EMAIL:
        notification.subject, notification.text = rendering.render_email(content, tz=tz, now=now)
    else:
        notification.text, _ = slack_blocks.render_page(
            content, tz=tz, now=now, reference=notification.reference
        )


@transaction.atomic
def _record_sent(notification: Notification, sent: Sent) -> str:
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(provider_id=sent.provider_id)
    # A status callback may have come first (delivered); never move back from it.
    Notification.objects.filter(pk=notification.pk, state=State.SENDING).update(
        state=State.SENT, last_error=""
    )
    where = sent.detail or f"{notification.channel} {sent.provider_id}"
    log(notification, State.SENT, where, at=now)
    if notification.kind != Kind.STATUS:
        # One line a page, naming what it is about, for whoever reads the logs after a night.
        about = notification.references
        named = {"event_id": about[0]} if len(about) == 1 else {"event_ids": about}
        if notification.kind == Kind.TEST:
            named = {}  # about nobody's event: its reference is not an event id
        logger.info(
            "%s #%s sent to %s by %s about %s",
            notification.kind,
            notification.pk,
            notification.addressee,
            "outbox" if notification.via_outbox else notification.channel,
            ", ".join(about),
            extra=named,
        )
    if notification.kind == Kind.BUNDLE:
        for pk in notification.content["notifications"]:
            log(pk, State.SUPPRESSED, f"sent in bundle #{notification.pk}", at=now)
    return "sent"


@transaction.atomic
def _record_error(notification: Notification, error: TransportError) -> str:
    now = timezone.now()
    mine = Notification.objects.filter(pk=notification.pk, state=State.SENDING)
    if not error.permanent and notification.attempts < MAX_ATTEMPTS:
        wait = (
            timedelta(seconds=error.retry_after)
            if error.retry_after is not None
            else backoff(notification.attempts)
        )
        if mine.update(
            state=State.PENDING,
            due_at=now + wait,
            enqueued_at=None,
            sent_at=None,
            last_error=error.message,
        ):
            log(
                notification,
                State.PENDING,
                f"{error.message}; retry in {rendering.duration(wait)}",
                at=now,
            )
        return "retry"
    why = (
        error.message
        if error.permanent
        else f"gave up after {notification.attempts} attempts: {error.message}"
    )
    if mine.update(state=State.FAILED, sent_at=None, last_error=why):
        log(notification, State.FAILED, why, at=now)
        failed_for_good(notification=notification, error=why, now=now)
    return "failed"
