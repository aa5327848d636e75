"""The task queue's two lanes: what a person is waiting on goes first."""

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from notifications import services
from notifications.models import Channel

pytestmark = pytest.mark.django_db


def taken(worker) -> list[tuple[str, tuple]]:
    return [
        (task["func"], task["args"])
        for task in (SignedPackage.loads(payload) for _, payload in worker.dequeue() or [])
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
