"""The queue around deliveries: due later, claimed once, cancelled, recovered after a crash."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django_q.models import OrmQ

from edrops import clock
from notifications import channels, queue, services
from notifications.models import Channel, Notification, OutboxMessage
from tests.fakes.queue import run_queued_tasks, taken_by_a_worker_that_died
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_credentials(settings):
    settings.SLACK_BOT_TOKEN = settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""


def later_call(person, content, *, minutes=1):
    return services.schedule_page(
        person=person,
        channel=Channel.VOICE,
        content=content,
        reference="event-1",
        due_at=timezone.now() + timedelta(minutes=minutes),
    )


def test_a_page_due_now_is_queued_in_the_callers_transaction(alice, miso):
    sms = services.schedule_page(
        person=alice, channel=Channel.SMS, content=miso, reference="e", due_at=timezone.now()
    )
    assert OrmQ.objects.count() == 1
    assert run_queued_tasks() == [("notifications.tasks.deliver", (sms.pk,))]
    assert OutboxMessage.objects.get().notification == sms


def test_a_later_contact_rule_is_queued_by_the_clock_when_due_and_only_once(alice, miso):
    with time_machine.travel(NOON, tick=False) as travel:
        call = later_call(alice, miso)
        assert clock.tick(timezone.now()).enqueued["notifications"] == 0
        assert not OrmQ.objects.exists()

        travel.shift(timedelta(minutes=1))
        assert clock.tick(timezone.now()).enqueued["notifications"] == 1
        assert clock.tick(timezone.now()).enqueued["notifications"] == 0, "claimed already"
        run_queued_tasks()

    call.refresh_from_db()
    assert call.state == "sent"
    assert OutboxMessage.objects.get().channel == "voice"


def test_cancelled_pages_are_suppressed_with_the_reason_and_never_sent(alice, miso):
    with time_machine.travel(NOON, tick=False) as travel:
        call = later_call(alice, miso)
        assert services.cancel_pending(reference="event-1", reason="acknowledged by bob") == 1
        travel.shift(timedelta(minutes=5))
        assert services.enqueue_due(now=timezone.now()) == 0

    call.refresh_from_db()
    assert (call.state, call.log.last().detail) == ("suppressed", "cancelled: acknowledged by bob")
    assert not OutboxMessage.objects.exists()


def test_a_page_left_sending_by_a_dead_worker_is_sent_again_15_seconds_later(alice, miso):
    with time_machine.travel(NOON, tick=False) as travel:
        call = later_call(alice, miso, minutes=0)
        # The worker claimed it and died before the provider answered.
        Notification.objects.filter(pk=call.pk).update(state="sending", sent_at=timezone.now())
        OrmQ.objects.all().delete()

        travel.shift(timedelta(seconds=14))
        assert services.enqueue_due(now=timezone.now()) == 0, "it may still be sending"
        travel.shift(timedelta(seconds=2))
        assert services.enqueue_due(now=timezone.now()) == 1
        run_queued_tasks()

    call.refresh_from_db()
    assert call.state == "sent"
    assert "worker lost mid-send; sending again (at least once)" in [
        e.detail for e in call.log.all()
    ]


class Killed(BaseException):
    """SIGKILL, as far as the page can tell: nothing after it runs."""


def sending_when_its_cluster_dies(sms: Notification, monkeypatch) -> OrmQ:
    """A cluster takes the page's task (leased for TASK_LEASE) and its worker is killed while
    the provider call is under way: the page is left `sending`, naming the task."""
    (task,) = OrmQ.objects.all()
    OrmQ.objects.filter(pk=task.pk).update(lock=timezone.now() + settings.TASK_LEASE)

    def killed_mid_send(notification):
        raise Killed

    monkeypatch.setattr(channels.transport_for(sms.channel), "send", killed_mid_send)
    queue.task_started(task={"ack_id": task.pk})
    with pytest.raises(Killed):
        services.deliver(notification_id=sms.pk)
    queue.task_finished()
    monkeypatch.undo()
    sms.refresh_from_db()
    assert (sms.state, sms.sending_task) == ("sending", task.pk)
    return task


def test_a_page_whose_cluster_died_mid_send_is_sent_again_once_its_lease_runs_out(
    alice, miso, monkeypatch
):
    with time_machine.travel(NOON, tick=False) as travel:
        sms = services.schedule_page(
            person=alice, channel=Channel.SMS, content=miso, reference="e", due_at=timezone.now()
        )
        sending_when_its_cluster_dies(sms, monkeypatch)
        travel.shift(timedelta(seconds=4))
        assert services.enqueue_due(now=timezone.now()) == 0, "its cluster may be alive"
        travel.shift(timedelta(seconds=2))
        assert services.enqueue_due(now=timezone.now()) == 1, "lease ran out: nobody sends it"
        # The dead cluster's task comes back too (its lease ran out): the claim makes it
        # harmless.
        assert run_queued_tasks() == [("notifications.tasks.deliver", (sms.pk,))] * 2

    sms.refresh_from_db()
    assert sms.state == "sent"
    assert OutboxMessage.objects.filter(channel="sms").count() == 1
    assert "worker lost mid-send; sending again (at least once)" in [
        e.detail for e in sms.log.all()
    ]


def test_a_slow_send_whose_cluster_renews_its_lease_is_left_alone_until_15_seconds(
    alice, miso, monkeypatch
):
    with time_machine.travel(NOON, tick=False) as travel:
        sms = services.schedule_page(
            person=alice, channel=Channel.SMS, content=miso, reference="e", due_at=timezone.now()
        )
        task = sending_when_its_cluster_dies(sms, monkeypatch)
        for _ in range(14):  # ...but it is alive, renewing the lease every second
            travel.shift(timedelta(seconds=1))
            OrmQ.objects.filter(pk=task.pk).update(lock=timezone.now() + settings.TASK_LEASE)
            assert services.enqueue_due(now=timezone.now()) == 0, "it is still sending"
        travel.shift(timedelta(seconds=2))
        assert services.enqueue_due(now=timezone.now()) == 1, "past any provider's timeout"


def test_a_page_whose_worker_died_after_taking_it_is_queued_again_within_seconds(alice, miso):
    with time_machine.travel(NOON, tick=False) as travel:
        sms = services.schedule_page(
            person=alice, channel=Channel.SMS, content=miso, reference="e", due_at=timezone.now()
        )
        assert taken_by_a_worker_that_died() == 1
        travel.shift(timedelta(seconds=4))
        assert services.enqueue_due(now=timezone.now()) == 0, "it may still be running"
        travel.shift(timedelta(seconds=2))
        assert services.enqueue_due(now=timezone.now()) == 1, "taken 6 s ago and never done"
        assert services.enqueue_due(now=timezone.now()) == 0, "queued again once"
        # The dead worker's own task comes back after Q_RETRY: the claim makes it harmless.
        OrmQ.objects.update(lock=timezone.now())
        assert run_queued_tasks() == [("notifications.tasks.deliver", (sms.pk,))] * 2
    assert OutboxMessage.objects.filter(channel="sms").count() == 1


def test_a_page_waiting_behind_a_long_queue_is_not_doubled(alice, miso):
    with time_machine.travel(NOON, tick=False) as travel:
        first = services.schedule_page(
            person=alice, channel=Channel.SMS, content=miso, reference="a", due_at=timezone.now()
        )
        travel.shift(timedelta(seconds=10))
        services.schedule_page(
            person=alice, channel=Channel.EMAIL, content=miso, reference="b", due_at=timezone.now()
        )
        # A minute on, nothing has been taken: the workers are busy, not dead.
        travel.shift(timedelta(minutes=1))
        assert services.enqueue_due(now=timezone.now()) == 0
        # The workers take the first task and die; the second is still waiting behind it.
        OrmQ.objects.filter(pk=OrmQ.objects.order_by("id").first().pk).update(
            lock=timezone.now() + timedelta(seconds=45)
        )
        assert services.enqueue_due(now=timezone.now()) == 1
        assert Notification.objects.get(pk=first.pk).enqueued_at == timezone.now()
