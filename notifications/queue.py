"""The task queue as the engine sees it: the clock's claim that hands due work to it once
(`hand_out`), when a queued task counts as lost, two lanes, leases, and riding out a database
that went away for a moment.

A task can be lost two ways: its worker was killed after taking it (handed out again when its
lease runs out: TASK_LEASE after its cluster died, Q_RETRY after its worker alone), or it failed
on a dropped connection (django-q2 acknowledges failures, so it is gone). Escalation steps and
pages carry the moment they were queued (`step_queued_at`, `enqueued_at`); the clock queues
them again once `lost_before` has passed that moment. Running one twice is harmless: a step
checks it is still the event's next one under the event's lock, a page is claimed by
compare-and-set.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import Case, Count, Exists, Min, OuterRef, QuerySet, When
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ

from notifications.wakeups import Wakeups

log = logging.getLogger(__name__)

T = TypeVar("T")

# The fast lane: deliveries (pages, bundles, status messages) and replies. In a storm of 1,000
# dispatches the queue holds 1,000 escalation steps; a page already decided, a bundle whose
# moment has come, an "ack all" must not wait behind them: people are waiting on those.
FAST_LANE = "now"

# Rows one claim hands out at most per tick; the rest are next tick's (a second later).
CLAIM_BATCH = 500

# What a dropped connection, a restarting server or a failover raise.
CONNECTION_LOST = (OperationalError, InterfaceError)
# Tries at 0, 0.5, 1, 2, 3 ... 8 s: a restart of a few seconds is ridden out, well inside
# Q_TIMEOUT, and the work goes on within a second of the database's return (a doubling wait
# left workers asleep for 3.5 s after a 4 s cut, behind the backlog it made); a longer outage
# fails the task, and the clock queues the work again afterwards.
RETRY_WAITS = (0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)

# How often a cluster renews the leases of the tasks it holds (a tenth of TASK_LEASE or so).
LEASE_RENEWAL_SECONDS = 1.0


# The task this worker process is running (its row in the queue), or None (not in a worker,
# or between tasks): a page being sent names it, so the clock can tell a send whose worker is
# gone (the task's lease ran out) from a slow one (`abandoned`).
_running: int | None = None


def running_task() -> int | None:
    return _running


def task_started(*, task: dict, **_) -> None:
    """django-q2's pre_execute, in the worker process, before the task's function runs."""
    global _running
    _running = task.get("ack_id")


def task_finished(**_) -> None:
    """django-q2's post_execute_in_worker."""
    global _running
    _running = None


def abandoned(*, now: datetime) -> Exists:
    """For a row with a `sending_task`: that task is no longer held by a live cluster. Its row
    is gone (the task ended without recording the send: it failed) or its lease has run out
    (its cluster died). A task being run has a lease in the future, renewed every second."""
    held = OrmQ.objects.using(Conf.ORM).filter(pk=OuterRef("sending_task"), lock__gt=now)
    return ~Exists(held)


def lost_before(*, now: datetime) -> datetime:
    """Work queued before this moment whose task has not finished lost its task.

    With the ORM broker, a task still waiting in the queue has `lock` = when it was queued,
    and one a cluster took has `lock` in the future (its lease). If every task queued
    before T + REQUEUE_AFTER has been taken, a task queued at T was taken too; if its work
    is still undone, the worker that took it died or failed. A long queue (a burst, too few
    workers) holds this moment back, so waiting work is never doubled. With another broker
    the queue can't be read: an empty one counts as drained, else Q_RETRY is the bound."""
    if Conf.ORM:
        oldest_waiting = (
            OrmQ.objects.using(Conf.ORM)
            .filter(key__in=_keys(), lock__lte=now)
            .aggregate(oldest=Min("lock"))["oldest"]
        )
        drained = min(now, oldest_waiting) if oldest_waiting else now
        return drained - settings.REQUEUE_AFTER
    if get_broker().queue_size() == 0:
        return now - settings.REQUEUE_AFTER
    return now - max(settings.REQUEUE_AFTER, timedelta(seconds=Conf.RETRY))


def hand_out(
    due: QuerySet,
    *,
    order_by: str,
    fields: Sequence[str] = (),
    stamp: dict[str, Any],
    then: Callable[[tuple], object],
    each_alone: bool = False,
    batch: int = CLAIM_BATCH,
) -> int:
    """The clock's claim, one shape for every kind of due work: each row of `due` (by
    `order_by`, at most `batch`) is handed out once, however many clocks run. A row another
    clock holds is skipped (SKIP LOCKED on PostgreSQL); the claim is the compare-and-set
    `due.filter(pk=...).update(**stamp)`, which matches only while the row is still due, so
    only one clock runs `then((pk, *fields))` for it, in the claim's transaction: what `then`
    queues commits with the claim, or neither does. Returns how many were handed out.

    `each_alone`: each row in a transaction of its own, for work that writes much (raising an
    alarm through ingest). Its work is visible as soon as it is done, and an exception is
    logged and rolls back that row alone, which stays due for the next tick."""
    if not each_alone:
        with transaction.atomic():
            locked = due.select_for_update(skip_locked=True).order_by(order_by)
            rows = list(locked.values_list("pk", *fields)[:batch])
            return sum(_claim(due, row, stamp=stamp, then=then) for row in rows)
    handed = 0
    for pk in list(due.order_by(order_by).values_list("pk", flat=True)[:batch]):
        try:
            with transaction.atomic():
                # Read under the lock: the row may have changed since the list was made.
                locked = due.filter(pk=pk).select_for_update(skip_locked=True)
                for row in locked.values_list("pk", *fields):
                    handed += _claim(due, row, stamp=stamp, then=then)
        except Exception:
            log.exception("could not hand out %s #%s; it stays due", due.model.__name__, pk)
    return handed


def _claim(due: QuerySet, row: tuple, *, stamp: dict[str, Any], then: Callable) -> int:
    if not due.filter(pk=row[0]).update(**stamp):
        return 0  # another clock took it between our read and our write
    then(row)
    return 1


def waiting(*, now: datetime) -> tuple[int, datetime | None]:
    """How many tasks wait for a worker, and since when the oldest has (None: none waits, or
    the broker can't say): for /metrics. A task a worker has taken is not waiting."""
    if not Conf.ORM:
        return get_broker().queue_size(), None
    row = (
        OrmQ.objects.using(Conf.ORM)
        .filter(key__in=_keys(), lock__lte=now)
        .aggregate(tasks=Count("*"), oldest=Min("lock"))
    )
    return row["tasks"], row["oldest"]


def fast_lane() -> dict:
    """`async_task` options that put a task in the fast lane (our ORM broker; with another
    broker there is one lane)."""
    return {"cluster": _keys()[0]} if Conf.BROKER_CLASS == OrmBroker.PATH else {}


def _keys() -> tuple[str, str]:
    """The ORM broker's queue keys, the fast lane first."""
    return f"{Conf.CLUSTER_NAME}.{FAST_LANE}", Conf.CLUSTER_NAME


def riding_out_outages(work: Callable[[], T], *, what: str) -> T:
    """Run `work` (a whole transaction, or none: it must be safe to run again from the start),
    trying again with fresh connections while the database is unreachable (RETRY_WAITS)."""
    for wait in (*RETRY_WAITS, None):
        try:
            return work()
        except CONNECTION_LOST as error:
            if wait is None or not _outside_transactions():
                raise
            log.warning("%s: database unreachable (%s); trying again in %g s", what, error, wait)
            time.sleep(wait)
            # The next query opens a new connection.
            for connection in connections.all(initialized_only=True):
                connection.close()
    raise AssertionError("unreachable")


class OrmBroker(ORM):
    """django-q2's ORM broker (Q_CLUSTER's `broker_class`) with five changes:

    - two lanes: tasks queued with `fast_lane()` are taken before the rest, oldest first;
    - no pause after a lost connection: upstream's pusher sleeps 10 s and dies when a dequeue
      fails, and every queued page waits for it to be restarted. This one waits a moment on a
      fresh connection and polls again;
    - acknowledgements ride out a lost connection (`riding_out_outages`);
    - a lease, not a lock: upstream locks a task it hands out for Q_RETRY (45 s), so a task
      whose cluster was killed waits that long for another cluster, and a page with it. Here a
      taken task is leased for TASK_LEASE (5 s) and the cluster renews the lease every second
      while the task is unfinished (the row exists until the task is acknowledged). A cluster
      that dies stops renewing, and its tasks are handed out again within TASK_LEASE. A lease
      is never renewed past upstream's Q_RETRY: a task whose worker alone died (its cluster
      lives on, renewing) comes back when it would have anyway, or sooner from the clock;
    - on PostgreSQL an idle cluster is woken by a NOTIFY the moment a task is queued, instead
      of finding it at its next poll (notifications/wakeups.py).
    """

    PATH = "notifications.queue.OrmBroker"

    def dequeue(self):
        self._keep_leases()
        try:
            if taken := self.take():
                return taken
        except CONNECTION_LOST as error:
            log.warning("task queue: database unreachable (%s); polling again in 0.5 s", error)
            for connection in connections.all(initialized_only=True):
                connection.close()
            time.sleep(0.5)
            return None
        self.wakeups.wait(Conf.POLL)
        return None

    def take(self) -> list[tuple[int, str]]:
        """Lease up to BULK waiting tasks, the fast lane's first, oldest first, in one query;
        as upstream, a compare-and-set on `lock`, so two clusters never take the same task."""
        fast, _ = _keys()
        rows = (
            self.get_connection()
            .filter(key__in=_keys(), lock__lt=timezone.now())
            .order_by(Case(When(key=fast, then=0), default=1), "id")
        )
        taken = []
        for pk, lock, payload in rows.values_list("id", "lock", "payload")[: Conf.BULK]:
            now = timezone.now()
            if self.get_connection().filter(id=pk, lock=lock).update(lock=now + _lease()):
                self.leases.hold(pk, taken_at=now)
                taken.append((pk, payload))
        return taken

    @cached_property
    def wakeups(self) -> Wakeups:
        return Wakeups(Conf.ORM)

    @cached_property
    def leases(self) -> "Leases":
        return Leases(self.get_connection)

    def _keep_leases(self) -> None:
        # Started by the first dequeue, so in the pusher process; a thread of its own, as the
        # pusher blocks while the cluster's local queue is full (Q_CLUSTER's queue_limit).
        if not self.leases.kept:
            self.leases.kept = True
            threading.Thread(target=self.leases.keep, name="task leases", daemon=True).start()

    def acknowledge(self, task_id: int) -> None:
        # The cluster's monitor acknowledges; a failure kills it (upstream), and the task it
        # held would run again when its lease ran out.
        riding_out_outages(lambda: super(OrmBroker, self).acknowledge(task_id), what="ack")

    def queue_size(self) -> int:
        return self.get_connection().filter(key__in=_keys(), lock__lte=timezone.now()).count()

    def lock_size(self) -> int:
        return self.get_connection().filter(key__in=_keys(), lock__gt=timezone.now()).count()


class Leases:
    """The tasks one cluster has taken and not finished, and their renewal (see OrmBroker)."""

    def __init__(self, rows: Callable[[], QuerySet]) -> None:
        self.rows = rows
        self.taken_at: dict[int, datetime] = {}
        self.mutex = threading.Lock()
        self.kept = False

    def hold(self, pk: int, *, taken_at: datetime) -> None:
        with self.mutex:
            self.taken_at[pk] = taken_at

    def keep(self) -> None:
        while True:
            time.sleep(LEASE_RENEWAL_SECONDS)
            try:
                self.renew(now=timezone.now())
            except Exception as error:  # the database is away: the leases run on meanwhile
                log.warning("task queue: could not renew leases (%s)", error)
                connections.close_all()

    def renew(self, *, now: datetime) -> int:
        """Extend the leases of the held tasks still unfinished; forget finished ones and
        ones at upstream's Q_RETRY horizon. Returns how many were renewed."""
        with self.mutex:
            held = dict(self.taken_at)
        if not held:
            return 0
        last_lease = timedelta(seconds=Conf.RETRY) - _lease()
        renewable = [pk for pk, taken_at in held.items() if taken_at + last_lease > now]
        # Only a lease still running: one that lapsed may have been taken by another cluster.
        renewed = self.rows().filter(pk__in=renewable, lock__gt=now).update(lock=now + _lease())
        unfinished = set(self.rows().filter(pk__in=renewable).values_list("pk", flat=True))
        with self.mutex:
            for pk in held.keys() - unfinished:
                self.taken_at.pop(pk, None)
        return renewed


def _lease() -> timedelta:
    return settings.TASK_LEASE


def _outside_transactions() -> bool:
    # (in_atomic_block, not get_autocommit(): that one connects first.)
    return not any(c.in_atomic_block for c in connections.all(initialized_only=True))
