"""What an event's pages say: the content every channel renders, the one-line description the
team channel and status messages use, and the short code people reply with ("4")."""

import itertools
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from edrops.models import Event
from notifications import rendering
from notifications.content import PageContent

# A code stays with its event this long after it closes, so that a late "ack 4" can't land on
# a newer event that happens to have been given 4.
ACK_CODE_REUSE_AFTER = timedelta(hours=24)
# The advisory locks' first key, naming what the second one is: an ack code being given.
ACK_CODE_LOCKS = 0x61636B  # "ack"


def exhausted_notice(*, event: Event, why: str, now: datetime) -> str:
    """What the team channel is told when nobody acknowledged ("Nobody acknowledged MISO LMR
    dispatch (12.5 MW in LRZ 4 at 14:00 CDT (in 1 h 45 min)) after 3 steps (2 passes). It is
    still open: ..."), times in the team's zone. Rewritten like the event's other Slack
    messages when someone acknowledges after all."""
    head = described(event=event, now=now)
    steps = len(event.policy.get("steps") or [])
    passes = int(event.policy.get("repeat") or 0) + 1
    if steps:
        said = (
            f"Nobody acknowledged {head} after {_count(steps, 'step')} "
            f"({_count(passes, 'pass', 'passes')})"
        )
    else:
        said = f"Nobody was paged about {head}: {why}"
    return f"{said}. It is still open: {event.summary}"


def described(*, event: Event, now: datetime) -> str:
    """'MISO LMR dispatch (12.5 MW in LRZ 4 at 14:00 CDT (in 1 h 45 min))', in the team's zone."""
    content = page_content(event)
    f = rendering.facts(content, tz=event.team.tz, now=now)
    what = " ".join(filter(None, [f.amount, f"in {f.location}" if f.location else "", f.start]))
    head = ("TEST " if event.test else "") + rendering.headline(content)
    return head + (f" ({what})" if what else "")


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def assign_ack_code(*, event: Event, now: datetime) -> int:
    """The smallest number no open event holds and no event closed in the last day held, and
    no other step is giving its event right now: "Reply 4 to ack" stays short. Two steps
    racing for one code anyway: the unique index on open events makes one of them pick again."""
    while event.ack_code is None:
        recent = Q(status__in=Event.OPEN) | Q(closed_at__gte=now - ACK_CODE_REUSE_AFTER)
        taken = set(
            Event.objects.filter(recent, ack_code__isnull=False).values_list("ack_code", flat=True)
        )
        code = next(n for n in itertools.count(1) if n not in taken and _unclaimed(n))
        try:
            with transaction.atomic():
                Event.objects.filter(pk=event.pk).update(ack_code=code)
        except IntegrityError:
            continue
        event.ack_code = code
    return event.ack_code


def _unclaimed(code: int) -> bool:
    """Whether no other transaction is giving `code` to its event (and now this one is).

    Without it, steps running at once all pick the same smallest code; the unique index then
    makes each wait for the one before it to commit (its whole step) before failing and picking
    again, and the workers page one at a time (bench/RESULTS.md, "Scaling"). So on PostgreSQL
    a step first takes a transaction-level advisory lock on the code, without waiting: one
    another step holds is passed over. SQLite runs one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [ACK_CODE_LOCKS, code])
        return cursor.fetchone()[0]


def page_content(event: Event) -> PageContent:
    return PageContent(
        summary=event.summary,
        market=event.market,
        program=event.program,
        mw=event.mw,
        location=event.location,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        respond_by=event.respond_by,
        ack_code=str(event.ack_code or ""),
        test=event.test,
        team=event.team.name or event.team.slug,
        severity=event.severity,
        url=f"{settings.PUBLIC_BASE_URL}/events/{event.pk}",
        declinable=event.from_vtn,
    )
