"""The clock: once a second, find the work that has come due and hand it to the workers.

django-q2's own scheduler looks every 30 s and has no per-task delay; this loop is what makes
a 2-minute wait end at 2 minutes, not 2:30. Between ticks it doesn't just sleep a second: each
tick also reads when the next piece of work falls due, and the loop wakes for it, so a step due
at 14:02:00.300 is queued at 14:02:00.300, not at whatever moment the next tick happens to come.

`tick(now)` is a plain function so tests can call it with any `now`; `run()` is the loop around
it that the `clock` command starts.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import close_old_connections
from django.utils import timezone

from edrops import selectors, services
from edrops.models import ProcessCheckIn
from edrops.services import coverage, escalation, handoffs, wakeups
from notifications import selectors as notification_selectors
from notifications import services as notifications

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
# After a failed tick (database restarting, say) wait 1 s, then 2, 4, at most 5: a blip of a
# few seconds costs a second, and a long outage doesn't fill the log at one traceback a second.
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 5.0)


# Never wake more often than this, however close together things fall due.
MIN_SLEEP_SECONDS = 0.01


@dataclass
class TickReport:
    """What one tick handed to the workers, by kind of work (for logs and tests), and when the
    next known piece of work falls due."""

    enqueued: dict[str, int] = field(default_factory=dict)
    next_due: datetime | None = None

    def __bool__(self) -> bool:
        return any(self.enqueued.values())


@dataclass(frozen=True)
class Work:
    """One kind of work the clock hands out: `claim(now=)` queues what is due and says how
    many; `next_due(after=)`, when it has one, says when the next falls due (for the sleep)."""

    name: str
    claim: Callable[..., int]
    next_due: Callable[..., datetime | None] | None = None


# A new kind of due work is one line here.
WORK = [
    Work("escalation_steps", escalation.claim_due_steps, selectors.next_step_due),
    Work("wakeups", wakeups.claim_due_wakeups, selectors.next_wake_due),
    Work("notifications", notifications.enqueue_due, notification_selectors.next_due),
    Work("silence_alarms", services.raise_silence_alarms, selectors.next_silence_due),
    Work("dead_mans_switch", services.ping_dead_mans_switch),
    Work("rejected_pruned", services.prune_rejected),
    Work("coverage_check", coverage.claim_coverage_check),
    Work("handoff_reminders", handoffs.send_due_reminders),
]


def tick(now: datetime) -> TickReport:
    """Claim everything that is due at `now` and enqueue it. Safe to run in many clocks at once:
    every claim is a compare-and-set, so each piece of work is enqueued once."""
    report = TickReport()
    for work in WORK:
        report.enqueued[work.name] = work.claim(now=now)
    upcoming = [work.next_due(after=now) for work in WORK if work.next_due]
    report.next_due = min((at for at in upcoming if at is not None), default=None)
    return report


def run(*, stop: threading.Event, interval: float = TICK_SECONDS) -> None:
    """Tick on every whole `interval` until `stop` is set (SIGTERM/SIGINT)."""
    log.info("clock started")
    failures = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            # The connection may have been closed by the server since the last tick;
            # CONN_HEALTH_CHECKS only applies at request boundaries, so do it here.
            close_old_connections()
            now = timezone.now()
            services.check_in(role=ProcessCheckIn.Role.CLOCK, now=now)
            report = tick(now)
            if report:
                log.info("tick %s enqueued %s", now.isoformat(), report.enqueued)
        except Exception:
            wait = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
            failures += 1
            log.exception("tick failed; retrying in %.0f s", wait)
            stop.wait(wait)
            continue
        failures = 0
        # Sleep to the next whole interval (not `interval` after this tick ended, so that a
        # slow tick doesn't make every later one late too), or until the next work falls due.
        elapsed = time.monotonic() - started
        sleep = interval - elapsed % interval
        if report.next_due is not None:
            sleep = min(sleep, (report.next_due - timezone.now()).total_seconds())
        stop.wait(max(MIN_SLEEP_SECONDS, sleep))
    log.info("clock stopped")
