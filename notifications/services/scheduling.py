"""Putting notifications on the queue, taking them off it, and the clock's safety net."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from notifications import queue
from notifications.content import PageContent
from notifications.models import Channel, Notification, SlackMessage
from notifications.services.common import enqueue_delivery, failed_for_good, log, logger
from notifications.services.delivery import MAX_ATTEMPTS
from rosters.models import Person

State = Notification.State

# A send younger than this is left alone even when its task looks lost: a lease is stamped by
# the worker's machine and read by the clock's, whose clocks may differ by a little.
LEASE_SLACK = timedelta(seconds=1)

# Inside `first_page_here`: the step's due-now pages, in the order they were made; the first
# is not queued (its caller sends it), the others are.
_sent_by_caller: ContextVar[list[int] | None] = ContextVar("sent_by_caller", default=None)


@contextmanager
def first_page_here() -> Iterator[list[int]]:
    """Inside it, the first page created due now is not queued, and the ids of every page
    created due now go into the list yielded, the unqueued one first: once its transaction has
    committed the caller sends them itself, in order, until one reaches a provider
    (`delivery.REACHED_PROVIDER`). The escalation step's task does this, so a step's first page
    is one queue hop nearer the provider (bench/RESULTS.md: 'first page'), and when that page
    is held back (its person's limit is full in a storm) the next one, a channel post or
    another person's, goes out from the step instead of waiting its turn in the queue.

    The pages after the first are queued as well, for other workers to send alongside: whoever
    claims a page first sends it (a compare-and-set), the other finds it taken. The first is
    marked queued (`enqueued_at`) as any other is: should the caller die before sending it, the
    clock queues it again like a lost task (`queue.lost_before`)."""
    pages: list[int] = []
    token = _sent_by_caller.set(pages)
    try:
        yield pages
    finally:
        _sent_by_caller.reset(token)


def _create(*, now: datetime, **fields) -> Notification:
    notification = Notification.objects.create(created_at=now, **fields)
    due = notification.due_at <= now
    log(
        notification,
        State.PENDING,
        "due now" if due else f"due {notification.due_at:%H:%M:%S}",
        at=now,
    )
    if due:
        Notification.objects.filter(pk=notification.pk).update(enqueued_at=now)
        pages = _sent_by_caller.get()
        if pages is not None and notification.kind == Notification.Kind.PAGE:
            pages.append(notification.pk)
            if len(pages) == 1:
                return notification  # the caller sends it (first_page_here)
        enqueue_delivery(notification.pk)
    return notification


@transaction.atomic
def schedule_page(
    *,
    person: Person,
    channel: str,
    content: PageContent,
    reference: str,
    due_at: datetime,
    team_slack_channel: str = "",
) -> Notification:
    """One page to one person over one channel, not before `due_at`. Due now: the delivery task
    is queued at once, in the caller's transaction; later: the clock queues it when due."""
    return _create(
        now=timezone.now(),
        person=person,
        channel=Channel(channel),
        kind=Notification.Kind.PAGE,
        reference=reference,
        content=content.to_json(),
        team_slack_channel=team_slack_channel,
        due_at=due_at,
    )


@transaction.atomic
def send_status(*, person: Person, channel: str, text: str, reference: str = "") -> Notification:
    """A short status message ("acknowledged by bob via sms"), sent now, never throttled."""
    now = timezone.now()
    return _create(
        now=now,
        person=person,
        channel=Channel(channel),
        kind=Notification.Kind.STATUS,
        reference=reference,
        content={"text": text},
        due_at=now,
    )


@transaction.atomic
def schedule_channel_page(
    *,
    slack_channel: str,
    content: PageContent,
    reference: str,
    due_at: datetime,
    tz: ZoneInfo,
) -> Notification | None:
    """A page posted to a Slack channel for whoever watches it (an escalation step's
    `slack:CHANNEL` target), with the same *Acknowledge* button (value: `reference`); times are
    shown in `tz`. Returns None when that channel already has this page.

    The limit: once per reference and channel until it is answered — later steps and passes
    that name the channel again find the first post (its button still works) instead of adding
    another; once the event reopens, it is posted afresh. No count
    limit beyond that: per-person limits exist to keep one phone from being silenced, while
    a channel is read by many and every event in a storm should keep its own button. Bursts
    are paced by Slack itself (about one post a second per channel): a 429 is retried after
    its Retry-After like any Slack send."""
    if Notification.objects.filter(
        reference=reference,
        slack_channel=slack_channel,
        kind=Notification.Kind.PAGE,
        answered_at__isnull=True,
    ).exists():
        return None
    try:
        with transaction.atomic():  # a concurrent step may have just created it
            return _create(
                now=timezone.now(),
                person=None,
                slack_channel=slack_channel,
                time_zone=tz.key,
                channel=Channel.SLACK,
                kind=Notification.Kind.PAGE,
                reference=reference,
                content=content.to_json(),
                due_at=due_at,
            )
    except IntegrityError:
        return None


@transaction.atomic
def send_channel_notice(*, slack_channel: str, text: str, reference: str = "") -> Notification:
    """A short status message posted to a Slack channel now ("Nobody acknowledged ..."), never
    throttled. Kept with `reference`, so update_slack_messages rewrites it with the rest."""
    now = timezone.now()
    return _create(
        now=now,
        person=None,
        slack_channel=slack_channel,
        channel=Channel.SLACK,
        kind=Notification.Kind.STATUS,
        reference=reference,
        content={"text": text},
        due_at=now,
    )


@transaction.atomic
def post_in_threads(*, reference: str, text: str) -> list[str]:
    """`text` (a note someone wrote) as a reply in the thread of the page about `reference` in
    each Slack channel that has it (the team's channel, a step's `slack:` channel; the newest
    post where it was posted again after reopening). Returns those channels; none when the
    page never reached a channel (no Slack, or not sent yet).

    The reply is not kept with `reference`: the rewrite of the event's messages when it is
    answered must leave a note as it was written."""
    now = timezone.now()
    posts = SlackMessage.objects.filter(
        notification__reference=reference,
        notification__kind=Notification.Kind.PAGE,
        is_direct=False,
    ).order_by("-id")
    threads: dict[str, str] = {}
    for channel, ts in posts.values_list("channel", "ts"):
        threads.setdefault(channel, ts)
    for channel, ts in threads.items():
        _create(
            now=now,
            person=None,
            slack_channel=channel,
            channel=Channel.SLACK,
            kind=Notification.Kind.STATUS,
            content={"text": text, "thread_ts": ts},
            due_at=now,
        )
    return list(threads)


@transaction.atomic
def cancel_pending(*, reference: str, reason: str) -> int:
    """Nothing more about `reference` goes out: its pages not yet sent become `suppressed` with
    the reason, and pages held for a bundle leave it. Returns how many were stopped."""
    now = timezone.now()
    pending = list(
        Notification.objects.select_for_update()
        .filter(reference=reference, kind=Notification.Kind.PAGE, state=State.PENDING)
        .values_list("pk", flat=True)
    )
    # held_in too: a page waiting for a storm's bundle leaves it.
    Notification.objects.filter(pk__in=pending, state=State.PENDING).update(
        state=State.SUPPRESSED, last_error=reason, held_in=None
    )
    held = list(
        Notification.objects.select_for_update(of=("self",))
        .filter(reference=reference, state=State.SUPPRESSED, held_in__state=State.PENDING)
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=held).update(held_in=None)
    for pk in pending:
        log(pk, State.SUPPRESSED, f"cancelled: {reason}", at=now)
    for pk in held:
        log(pk, State.SUPPRESSED, f"taken out of its bundle: {reason}", at=now)
    return len(pending) + len(held)


def recover_stuck_sending(*, now: datetime) -> int:
    """Put back what a dead worker left in `sending`: sent again, delivery is at least once.

    A page names the queue task sending it (`sending_task`); once that task's lease has run
    out (its cluster died: within TASK_LEASE) or it ended without recording the send, nobody is
    sending it. A page sent without a task of its own (or whose task can't be seen) waits for
    STUCK_SENDING_AFTER, longer than any provider call may take (PROVIDER_TIMEOUT), so a slow
    send is never doubled. As many times as a send may be tried (MAX_ATTEMPTS); then it has
    failed: something kills every worker that takes it, and the person's next rule must not
    wait for it forever."""
    recovered = 0
    stuck = Notification.objects.filter(
        Q(sent_at__lt=now - settings.STUCK_SENDING_AFTER)
        | Q(queue.abandoned(now=now), sending_task__isnull=False, sent_at__lt=now - LEASE_SLACK),
        state=State.SENDING,
    )
    rows = stuck.values_list("pk", "sent_at", "attempts")[: queue.CLAIM_BATCH]
    for pk, sent_at, attempts in rows:
        mine = Notification.objects.filter(pk=pk, state=State.SENDING, sent_at=sent_at)
        if attempts >= MAX_ATTEMPTS:
            why = f"gave up after {attempts} attempts: the worker was lost mid-send each time"
            if mine.update(state=State.FAILED, sent_at=None, last_error=why):
                log(pk, State.FAILED, why, at=now)
                failed_for_good(notification=Notification.objects.get(pk=pk), error=why, now=now)
                logger.error("notification #%s: %s", pk, why)
            continue
        if mine.update(state=State.PENDING, due_at=now, enqueued_at=None, sent_at=None):
            log(pk, State.PENDING, "worker lost mid-send; sending again (at least once)", at=now)
            recovered += 1
    return recovered


@transaction.atomic
def enqueue_due(*, now: datetime) -> int:
    """The clock's part: claim pending notifications that have come due (or whose task was lost:
    `notifications.queue.lost_before`) with a compare-and-set, and queue their delivery. Safe
    in many clocks at once."""
    recover_stuck_sending(now=now)
    unclaimed = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=queue.lost_before(now=now))
    return queue.hand_out(
        Notification.objects.filter(unclaimed, state=State.PENDING, due_at__lte=now),
        order_by="due_at",
        stamp={"enqueued_at": now},
        then=lambda row: enqueue_delivery(row[0]),
    )
