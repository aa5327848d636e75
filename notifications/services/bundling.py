"""What the per-person limits (`notifications.throttle`) make of a page or a bundle at its
claim, under the person's row lock (so two workers never both take the last place).

A page over the limit is held (`suppressed`, `held_in` the one pending bundle for that person
and channel), as before. New: a page that finds only ONE message left in the window doesn't
take it at once. It waits up to STORM_WAIT in a bundle of its own (still `pending`, `held_in`
that bundle, due with it), because in a storm the next 995 pages are a second away and the
last place is worth more as "996 pages held back" than as the 5th of 1,000 SMS. Pages that
come meanwhile are held in that bundle. When it falls due (whichever of the bundle's task and
the waiting page's task runs first decides, under the lock):

    pages came:    the waiting page joins the others; the bundle goes, using the last place
    none came:     the bundle is dropped; the page goes as itself, as if it had never waited
    no place left: (something else used it) the waiting page is held like the rest, and the
                   bundle waits for the window, as every bundle does

A page answered while waiting is cancelled like any pending page (`cancel_pending`) and leaves
the bundle. Nothing is lost: every page ends sent, in a sent bundle, or cancelled.
"""

from datetime import datetime, timedelta

from notifications import rendering, throttle
from notifications.models import Channel, Notification
from notifications.services.common import log

State = Notification.State
Kind = Notification.Kind

# How long a page that found the last place waits for a storm to show itself.
STORM_WAIT = timedelta(seconds=10)


def within_limits(notification: Notification, *, now: datetime) -> tuple[Notification | None, str]:
    """What to send now in place of `notification` (a page or bundle to a person): itself, its
    bundle, or the page a bundle lets go; None, with what happened instead."""
    verdict = throttle.check(
        person_id=notification.person_id, channel=notification.channel, now=now
    )
    if notification.kind == Kind.BUNDLE:
        return _settle(notification, verdict, now=now)
    if notification.held_in_id is not None:
        bundle = Notification.objects.filter(pk=notification.held_in_id, state=State.PENDING)
        bundle = bundle.select_related("person").first()
        if bundle is None:  # decided already (it can't be, but a page must never be stuck)
            Notification.objects.filter(pk=notification.pk).update(held_in=None)
        elif bundle.due_at > now:
            return None, "waiting for more pages"
        else:
            return _settle(bundle, verdict, now=now)
    collecting = (
        Notification.objects.filter(
            person_id=notification.person_id,
            channel=notification.channel,
            kind=Kind.BUNDLE,
            state=State.PENDING,
        )
        .order_by("pk")
        .first()
    )
    if collecting is not None or not verdict.allowed:
        return None, _hold(notification, verdict, bundle=collecting, now=now)
    if verdict.remaining == 1 and STORM_WAIT:
        return None, _wait_for_more(notification, verdict, now=now)
    return notification, "within the limits"


def _hold(
    page: Notification, verdict: throttle.Verdict, *, bundle: Notification | None, now: datetime
) -> str:
    """Suppress the page and hold it in the pending bundle (created due when the limit allows
    again)."""
    if bundle is None:
        due = verdict.next_slot
        bundle = _new_bundle(page, verdict, due=due, note=f"bundle due {due:%H:%M:%S}", now=now)
    reason = bundle.content.get("reason") or verdict.reason(page.channel)
    _suppress(page, bundle, reason, now=now)
    return "held for a bundle"


def _new_bundle(
    page: Notification, verdict: throttle.Verdict, *, due: datetime, note: str, now: datetime
) -> Notification:
    bundle = Notification.objects.create(
        content={"reason": verdict.reason(page.channel)},
        person_id=page.person_id,
        channel=page.channel,
        kind=Kind.BUNDLE,
        team_slack_channel=page.team_slack_channel,
        due_at=due,
        created_at=now,
    )
    log(bundle, State.PENDING, note, at=now)
    return bundle


def _suppress(page: Notification, bundle: Notification, reason: str, *, now: datetime) -> None:
    if Notification.objects.filter(pk=page.pk, state=State.PENDING).update(
        state=State.SUPPRESSED, held_in=bundle, last_error=reason
    ):
        log(page, State.SUPPRESSED, f"suppressed: {reason}, held for bundle #{bundle.pk}", at=now)


def _wait_for_more(page: Notification, verdict: throttle.Verdict, *, now: datetime) -> str:
    due = now + STORM_WAIT
    note = f"collecting pages held back until {due:%H:%M:%S}"
    bundle = _new_bundle(page, verdict, due=due, note=note, now=now)
    Notification.objects.filter(pk=page.pk, state=State.PENDING).update(
        held_in=bundle, due_at=due, enqueued_at=None
    )
    label = Channel(page.channel).label
    log(
        page,
        State.PENDING,
        f"the last {label} the limit allows for now ({verdict.limit}): waiting "
        f"{rendering.duration(STORM_WAIT)} for more pages to go with it in bundle #{bundle.pk}",
        at=now,
    )
    return "waiting for more pages"


def _settle(
    bundle: Notification, verdict: throttle.Verdict, *, now: datetime
) -> tuple[Notification | None, str]:
    """A bundle that has fallen due: send it, let its waiting page go alone, or wait on."""
    waiting = list(bundle.held_pages.filter(state=State.PENDING).select_related("person"))
    reason = bundle.content.get("reason") or "rate limit"
    if not verdict.allowed:
        for page in waiting:
            _suppress(page, bundle, reason, now=now)
        Notification.objects.filter(pk=bundle.pk).update(due_at=verdict.next_slot, enqueued_at=None)
        return None, "bundle waits for the limit"
    if len(waiting) == 1 and not bundle.held_pages.filter(state=State.SUPPRESSED).exists():
        [page] = waiting  # the one that found the last place, and nobody came after it
        Notification.objects.filter(pk=bundle.pk, state=State.PENDING).update(
            state=State.SUPPRESSED
        )
        log(bundle, State.SUPPRESSED, f"no more pages came: #{page.pk} goes alone", at=now)
        Notification.objects.filter(pk=page.pk).update(held_in=None)
        page.held_in = None
        return page, "no storm after all"
    for page in waiting:
        _suppress(page, bundle, reason, now=now)
    if not _compose(bundle):
        Notification.objects.filter(pk=bundle.pk).update(state=State.SUPPRESSED)
        log(bundle, State.SUPPRESSED, "nothing left to send: every held page was closed", at=now)
        return None, "empty bundle"
    return bundle, "bundle"


def _compose(bundle: Notification) -> bool:
    pages = list(bundle.held_pages.order_by("created_at", "pk"))
    if not pages:
        return False
    bundle.content = {
        **bundle.content,
        "references": list(dict.fromkeys(p.reference for p in pages)),
        "notifications": [p.pk for p in pages],
        "pages": [p.content for p in pages],
    }
    return True
