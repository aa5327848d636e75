"""django-q2 task entry points: thin, they call services."""

import logging

from django.utils import timezone

from edrops import services
from edrops.models import ProcessCheckIn
from edrops.services import coverage, escalation, forwarding, replies, unreachable, wakeups
from notifications import services as notifications
from notifications.queue import riding_out_outages
from notifications.tasks import deliver

log = logging.getLogger(__name__)


def worker_check_in() -> None:
    """Run by whichever worker picks it up: proves the broker → worker path works."""
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=timezone.now())


def run_escalation_step(event_id: str, step_index: int = 0, pass_index: int = 0) -> str:
    """One escalation step of one event (queued by ingest for the first, by the clock after).
    A step is one transaction that checks it is still due: safe to run again from the start
    when the database went away under it. Once it has committed, this task sends the step's
    first page itself instead of queuing it for the next free worker (one hop less, and one
    task less a step); the step's other pages are queued. Should the first be held back (its
    person's limit is full), it goes on to the next, so a storm's channel post or the next
    person's page does not wait in the queue behind the storm."""

    def step() -> tuple[escalation.StepOutcome, list[int]]:
        with notifications.first_page_here() as first_page:
            outcome = escalation.run_step(
                event_id=event_id, step_index=step_index, pass_index=pass_index, now=timezone.now()
            )
        return outcome, first_page

    outcome, first_page = riding_out_outages(
        step, what=f"escalation step {step_index + 1} of {event_id}"
    )
    for notification_id in first_page:
        if deliver(notification_id) in notifications.REACHED_PROVIDER:
            break  # the rest are queued: other workers send them alongside
    # django-q2's own line for each task is DEBUG (edrops/logs.py); this one says what it did.
    log.log(
        logging.INFO if outcome.ran else logging.DEBUG,
        "event %s: %s",
        event_id,
        outcome.detail,
        extra={"event_id": event_id},
    )
    return outcome.detail


def wake_event(event_id: str) -> str:
    """An acknowledged event whose snooze is over, or whose dispatch has started, is triggered
    again (queued by the clock: services/wakeups.py)."""
    detail = riding_out_outages(
        lambda: wakeups.wake(event_id=event_id, now=timezone.now()),
        what=f"wake-up of {event_id}",
    )
    log.debug("event %s: %s", event_id, detail, extra={"event_id": event_id})
    return detail


def reply_received(reply_id: int, done: int = 0) -> list[str]:
    """An SMS, key press or Slack click recorded by `notifications` (NOTIFICATIONS_REPLY_TASK);
    again with `done` for the rest of a long "ack all"."""
    return riding_out_outages(
        lambda: replies.handle_reply(reply_id=reply_id, now=timezone.now(), done=done),
        what=f"reply #{reply_id}",
    )


def page_undeliverable(person_id: int, reference: str, failures: list[list[str]]) -> str:
    """Every page to a person about an event failed (NOTIFICATIONS_UNDELIVERABLE_TASK)."""
    entry = unreachable.person_unreachable(
        person_id=person_id,
        reference=reference,
        failures=[(channel, why) for channel, why in failures],
        now=timezone.now(),
    )
    return entry.detail if entry else "not an event"


def forward_failed(notification_id: int) -> str:
    """PagerDuty or a webhook refused a forward for good (NOTIFICATIONS_FORWARD_FAILED_TASK)."""
    return riding_out_outages(
        lambda: forwarding.forward_failed(notification_id=notification_id, now=timezone.now()),
        what=f"forward #{notification_id} failed",
    )


def check_coverage(after: str = "") -> str:
    """Every team's coverage gaps in the next 7 days (queued by the clock: hourly, and after a
    roster change), or those after team `after` (queued by a check that ran out of time)."""
    return str(coverage.check_coverage(now=timezone.now(), after=after))
