"""Reads of the notifications app."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Q, QuerySet

from notifications.models import (
    Channel,
    InboundReply,
    Notification,
    NotificationLog,
    OutboxMessage,
)

# Log states as the event timeline names them (API.md §4). `sending` and retries stay in the
# notification's own log (admin); the timeline shows what a person would care about.
TIMELINE_KIND = {
    Notification.State.SENT: "notified",
    Notification.State.DELIVERED: "delivered",
    Notification.State.FAILED: "failed",
    Notification.State.SUPPRESSED: "suppressed",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    person: str | None  # handle; None for a post to a Slack channel
    channel: str
    detail: str
    notification_id: int


def timeline(*, reference: str) -> list[TimelineEntry]:
    """What happened to every message about `reference`, oldest first, including the bundles
    that carried its held pages."""
    entries = (
        NotificationLog.objects.filter(
            Q(notification__reference=reference) | Q(notification__held_pages__reference=reference),
            state__in=TIMELINE_KIND,
        )
        .select_related("notification__person")
        .distinct()
        .order_by("at", "id")
    )
    return [
        TimelineEntry(
            at=e.at,
            kind=TIMELINE_KIND[e.state],
            person=e.notification.person.handle if e.notification.person else None,
            channel="outbox" if e.notification.via_outbox else e.notification.channel,
            detail=e.detail,
            notification_id=e.notification_id,
        )
        for e in entries
    ]


def next_due(*, after: datetime) -> datetime | None:
    """When the next scheduled page falls due (for the clock's sleep)."""
    return Notification.objects.filter(
        state=Notification.State.PENDING, enqueued_at__isnull=True, due_at__gt=after
    ).aggregate(next=Min("due_at"))["next"]


def outbox(*, limit: int = 200) -> QuerySet[OutboxMessage]:
    """Newest first, with the person each was for."""
    return OutboxMessage.objects.select_related("notification__person").order_by(
        "-created_at", "-id"
    )[:limit]


IN_FLIGHT = {
    Notification.State.PENDING,
    Notification.State.SENDING,
    Notification.State.SENT,
    Notification.State.DELIVERED,
}


def unreached(*, person_id: int, reference: str) -> list[tuple[str, str]]:
    """How every page to this person about `reference` failed, as (channel, why), one per
    channel (the latest); empty while any of them is still under way or got through.

    Counts the pages of the current round only: a page answered (acknowledged, closed) has
    `answered_at`, so an event that reopens starts afresh. A page held back by a limit counts
    as its bundle does."""
    pages = Notification.objects.filter(
        person_id=person_id,
        reference=reference,
        kind=Notification.Kind.PAGE,
        answered_at__isnull=True,
    ).select_related("held_in")
    failures: dict[str, str] = {}
    for page in pages.order_by("pk"):
        carrier = page.held_in if page.held_in_id else page
        if carrier.state in IN_FLIGHT:
            return []
        if carrier.state == Notification.State.FAILED:
            failures.pop(carrier.channel, None)  # the latest failure last
            failures[carrier.channel] = carrier.last_error or "failed"
    return list(failures.items())


def posted_to_channel(*, reference: str, slack_channel: str) -> bool:
    """Whether a page about `reference` was posted to `slack_channel` for whoever reads it (an
    escalation step's `slack:CHANNEL` target), rather than for one person."""
    return Notification.objects.filter(
        reference=reference,
        kind=Notification.Kind.PAGE,
        person__isnull=True,
        slack_channel=slack_channel,
    ).exists()


def clicked_in(*, reply: InboundReply) -> str:
    """The Slack channel a button click came from ('' for anything else), as Slack's payload
    says it (kept with the reply)."""
    if reply.channel != Channel.SLACK or not isinstance(reply.raw, dict):
        return ""
    for key, inner in (("container", "channel_id"), ("channel", "id")):
        value = reply.raw.get(key)
        if isinstance(value, dict) and isinstance(value.get(inner), str) and value[inner]:
            return value[inner]
    return ""


def was_forwarded(*, reference: str, channel: str) -> bool:
    """Whether a trigger about `reference` went (or was tried: it may have got there before a
    timeout) to a service over `channel` (PagerDuty): what lets that service's answers act on
    it. One the service refused for good opened nothing there."""
    return (
        Notification.objects.filter(
            reference=reference, channel=channel, kind=Notification.Kind.PAGE, attempts__gt=0
        )
        .exclude(state=Notification.State.FAILED)
        .exists()
    )
# --- Test pages (services/contact_checks.py) -------------------------------------------------


@dataclass(frozen=True)
class ContactCheck:
    """How one contact method took its test page: `state` is pending, sending, sent (the
    provider took it), delivered (the carrier or the called phone confirmed it) or failed, with
    `detail` saying why (a failure) or where it went."""

    channel: str
    to: str
    state: str
    detail: str
    via_outbox: bool
    sent_at: datetime | None
    delivered_at: datetime | None
    at: datetime  # when its state last changed

    @property
    def method(self) -> str:
        """The channel as people say it: SMS, Voice call, Slack, Email."""
        return Channel(self.channel).label


@dataclass(frozen=True)
class SentTestPage:
    reference: str
    requested_at: datetime
    requested_by: str
    results: list[ContactCheck]

    @property
    def under_way(self) -> bool:
        """Some result may still change (a status callback is yet to come, or a send)."""
        return any(
            r.state in (Notification.State.PENDING, Notification.State.SENDING)
            or (
                r.state == Notification.State.SENT
                and r.channel in (Channel.SMS, Channel.VOICE)
                and not r.via_outbox
            )
            for r in self.results
        )

    @property
    def failed(self) -> list[ContactCheck]:
        return [r for r in self.results if r.state == Notification.State.FAILED]


def latest_test_page(*, person_id: int) -> SentTestPage | None:
    """The person's latest test page and how each of its messages went; None if they never
    had one."""
    latest = (
        Notification.objects.filter(person_id=person_id, kind=Notification.Kind.TEST)
        .order_by("-created_at", "-id")
        .values_list("reference", flat=True)
        .first()
    )
    if latest is None:
        return None
    return sent_test_pages(references=[latest])[latest]


def sent_test_pages(*, references: list[str]) -> dict[str, SentTestPage]:
    """Test pages by reference, each with its results in the order they were made: two
    queries however many."""
    rows = list(
        Notification.objects.filter(reference__in=references, kind=Notification.Kind.TEST).order_by(
            "id"
        )
    )
    # The last line of each one's log is its latest word, and when it was said.
    latest_line = {
        pk: (detail, at)
        for pk, detail, at in NotificationLog.objects.filter(notification__in=rows)
        .order_by("notification_id", "at", "id")
        .values_list("notification_id", "detail", "at")
    }
    found: dict[str, SentTestPage] = {}
    for n in rows:
        detail, at = latest_line.get(n.pk, ("", n.created_at))
        result = ContactCheck(
            channel=n.channel,
            to=n.content.get("to", ""),
            state=n.state,
            detail=n.last_error if n.state == Notification.State.FAILED else detail,
            via_outbox=n.via_outbox,
            sent_at=n.sent_at,
            delivered_at=n.delivered_at,
            at=at,
        )
        page = found.get(n.reference)
        if page is None:
            page = found[n.reference] = SentTestPage(
                reference=n.reference,
                requested_at=n.created_at,
                requested_by=n.content.get("requested_by", ""),
                results=[],
            )
        page.results.append(result)
    return found


def failed_test_pages(*, person_ids: list[int]) -> dict[int, list[ContactCheck]]:
    """For each of these people whose latest test page failed somewhere: those failures (the
    roster check and the admin flag them while the address that failed is still theirs)."""
    latest: dict[int, str] = {}
    for person_id, reference in (
        Notification.objects.filter(person_id__in=person_ids, kind=Notification.Kind.TEST)
        .order_by("person_id", "-created_at", "-id")
        .values_list("person_id", "reference")
    ):
        latest.setdefault(person_id, reference)
    pages = sent_test_pages(references=list(latest.values()))
    return {
        person_id: pages[reference].failed
        for person_id, reference in latest.items()
        if pages[reference].failed
    }
