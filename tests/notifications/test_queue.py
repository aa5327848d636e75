"""The task queue's two lanes: what a person is waiting on goes first."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from notifications import services
from notifications.models import Channel
from notifications.wakeups import Wakeups

pytestmark = pytest.mark.django_db


def taken(worker) -> list[tuple[str, tuple]]:
    return [
        (task["func"], task["args"])
        for task in (SignedPackage.loads(payload) for _, payload in worker.take() or [])
    ]


def test_in_a_storm_a_decided_page_goes_before_the_next_events_escalation_steps(alice, miso):
    for n in range(3):
        async_task("edrops.tasks.run_escalation_step", f"event-{n}", 0, 0)
    page = services.schedule_page(
        person=alice, channel=Channel.SMS, content=miso, reference="event-0", due_at=timezone.now()
    )
    worker = get_broker()

    assert taken(worker) == [("notifications.tasks.deliver", (page.pk,))]
    assert taken(worker) == [("edrops.tasks.run_escalation_step", ("event-0", 0, 0))]
    assert taken(worker) == [("edrops.tasks.run_escalation_step", ("event-1", 0, 0))]


# Leases: a task a cluster takes comes back within TASK_LEASE when the cluster dies, not after
# Q_RETRY; a cluster that lives renews it until the task is done.


def queue_a_step() -> OrmQ:
    async_task("edrops.tasks.run_escalation_step", "event-0", 0, 0)
    return OrmQ.objects.get()


def test_a_task_a_cluster_takes_is_leased_for_seconds_not_locked_for_q_retry(settings):
    queue_a_step()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        get_broker().take()

        lock = OrmQ.objects.get().lock
        assert lock == timezone.now() + settings.TASK_LEASE
        clock.shift(settings.TASK_LEASE - timedelta(seconds=1))
        assert get_broker().take() == [], "another cluster takes it while the lease runs"


def test_the_tasks_of_a_cluster_that_died_go_to_another_when_the_lease_runs_out(settings):
    row = queue_a_step()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        get_broker().take()  # and is killed: nobody renews

        clock.shift(settings.TASK_LEASE + timedelta(seconds=0.1))
        assert get_broker().take() == [(row.pk, row.payload)]


def test_a_live_cluster_renews_the_lease_until_its_task_is_acknowledged(settings):
    queue_a_step()
    cluster = get_broker()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        cluster.take()
        for _ in range(20):  # a slow task: 20 s, twice the lease
            clock.shift(timedelta(seconds=1))
            assert cluster.leases.renew(now=timezone.now()) == 1
        assert get_broker().take() == [], "nobody else took it"

        OrmQ.objects.all().delete()  # the monitor acknowledges the task
        clock.shift(timedelta(seconds=1))
        assert cluster.leases.renew(now=timezone.now()) == 0
        assert cluster.leases.taken_at == {}


def test_a_lease_is_not_renewed_past_q_retry_so_a_task_whose_worker_alone_died_returns(
    settings,
):
    row = queue_a_step()
    cluster = get_broker()
    taken_at = timezone.now()
    retry = timedelta(seconds=Conf.RETRY)
    with time_machine.travel(taken_at, tick=False) as clock:
        cluster.take()  # its worker is killed; the cluster lives on and keeps renewing
        while timezone.now() < taken_at + retry:
            clock.shift(timedelta(seconds=1))
            cluster.leases.renew(now=timezone.now())

        assert OrmQ.objects.get().lock <= taken_at + retry
        assert cluster.leases.taken_at == {}, "forgotten at the horizon"
        assert get_broker().take() == [(row.pk, row.payload)]


# Wake-ups: on PostgreSQL a waiting cluster learns of a queued task when it commits, not at its
# next poll; a task rolled back wakes nobody.

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_waiting_cluster_is_woken_when_a_task_is_queued_and_not_by_a_rollback():
    wakeups = Wakeups(Conf.ORM)
    try:
        assert wakeups.wait(0) is False, "listening, nothing queued yet"
        with transaction.atomic():
            queue_a_step()
            transaction.set_rollback(True)  # the event's transaction failed
        assert wakeups.wait(0.5) is False, "a rolled-back task wakes nobody"

        with transaction.atomic():
            queue_a_step()
            assert wakeups.wait(0) is False, "not before the task is visible"
        assert wakeups.wait(60) is True
        assert get_broker().take(), "and the woken cluster finds the task"
    finally:
        wakeups.close()


def test_without_postgresql_or_its_listener_a_cluster_polls(settings):
    wakeups = Wakeups(Conf.ORM)
    wakeups.retry_at = float("inf")  # as after a failed LISTEN
    assert wakeups.wait(0.01) is False


@needs_postgresql
def test_with_wakeups_off_as_behind_pgbouncer_a_cluster_polls_and_never_listens(settings):
    settings.Q_WAKEUPS = False
    wakeups = Wakeups(Conf.ORM)

    assert wakeups.wait(0.01) is False
    assert wakeups.wrapper is None, "no LISTEN connection"
