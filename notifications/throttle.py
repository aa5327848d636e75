"""How many pages a person can take: limits as data, in one place.

Modelled on GoAlert's `engine/message/ratelimit.go`: each channel has a list of windows, and a
message may go to a person only if, in every window, fewer than `count` messages went to that
person over that channel. The counts come from the Notification rows themselves (`sent_at`, set
when a message goes to a provider and cleared if the provider never took it), so there are no
counters to drift, and a crashed worker's half-sent page still counts.

Over a limit a page is not dropped: it becomes `suppressed` with the reason on its log, and is
held in one *bundle* for that person and channel, due when the windows allow again. The bundle
goes out as one message ("6 pages for grid-ops held back: reply 'ack all'") carrying the
references of every page it holds. A page that finds only the last place waits a few seconds
for a storm to show itself, so that the last place carries the storm at once (see
`services.bundling`). Status messages ("acknowledged by bob via sms") bypass the
limits and aren't counted: they are short, and they are what stops the pages.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from notifications.models import Channel, Notification


@dataclass(frozen=True)
class Limit:
    count: int
    per: timedelta

    def __str__(self) -> str:
        minutes = int(self.per.total_seconds() // 60)
        return f"{self.count} per {minutes} min"


LIMITS: dict[str, list[Limit]] = {
    # A phone that rings more than every 5 minutes gets silenced, not answered.
    Channel.VOICE: [Limit(count=3, per=timedelta(minutes=15))],
    Channel.SMS: [Limit(count=5, per=timedelta(minutes=15))],
    Channel.SLACK: [Limit(count=10, per=timedelta(minutes=15))],
    Channel.EMAIL: [Limit(count=10, per=timedelta(minutes=15))],
}

COUNTED_KINDS = [Notification.Kind.PAGE, Notification.Kind.BUNDLE]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: Limit | None = None  # the exceeded one; allowed: the one with fewest places left
    next_slot: datetime | None = None  # when the tightest exceeded window frees a place
    remaining: int | None = None  # allowed: places left in the tightest window, this one too

    def reason(self, channel: str) -> str:
        return f"{Channel(channel).label} limit {self.limit}"


def check(*, person_id: int, channel: str, now: datetime) -> Verdict:
    """May one more page go to this person over this channel at `now`?"""
    worst: Verdict | None = None
    tightest: Verdict = Verdict(allowed=True)
    for limit in LIMITS.get(channel, []):
        recent = list(
            Notification.objects.filter(
                person_id=person_id,
                channel=channel,
                kind__in=COUNTED_KINDS,
                # No upper bound: a worker that took the person's lock before us may have
                # stamped a `now` a moment later than ours, and it counts all the same.
                sent_at__gt=now - limit.per,
            )
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)[: limit.count]
        )
        if len(recent) < limit.count:
            left = limit.count - len(recent)
            if tightest.remaining is None or left < tightest.remaining:
                tightest = Verdict(allowed=True, limit=limit, remaining=left)
            continue
        # The oldest of the last `count` sends leaves the window at sent_at + per.
        free_at = recent[-1] + limit.per
        if worst is None or free_at > worst.next_slot:
            worst = Verdict(allowed=False, limit=limit, next_slot=free_at)
    return worst or tightest
