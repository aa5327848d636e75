"""Many at once. Senders redeliver, often at once: the dedup key is a database constraint, not
a read. Workers page side by side: none waits for another's step to commit."""

import threading
from collections.abc import Callable

import pytest
import requests
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ
from rest_framework.test import APIClient

from edrops import metrics, services
from edrops.db import add
from edrops.models import Event, EventRevision, RateLimitState, Tally
from edrops.services import tallies
from edrops.services.escalation import run_step
from notifications.models import Notification
from notifications.signals import state_logged
from tests.edrops.conftest import MISO, example
from tests.factories import PersonFactory, TeamFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers; SQLite serialises every write transaction",
    ),
]


def test_20_concurrent_redeliveries_create_exactly_one_event(live_server):
    source, token = services.upsert_source(name="miso", team=TeamFactory(slug="grid-ops"))
    # A source made before its first request, as in the admin: the rate limiter starts then.
    RateLimitState.objects.filter(source=source).delete()
    url = live_server.url + "/api/v1/events"
    dispatch = example("miso-lmr-dispatch.json")
    start = threading.Barrier(20)
    answers: list[requests.Response] = []

    def deliver():
        with requests.Session() as session:
            start.wait()
            response = session.post(
                url, json=dispatch, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            answers.append(response)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200] * 19 + [202]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Event.objects.count() == 1
    assert EventRevision.objects.count() == 1
    assert OrmQ.objects.count() == 1


def two_dispatches_waiting_for_a_worker() -> tuple[Event, Event]:
    team = TeamFactory(slug="grid-ops", members=[PersonFactory(handle="alice")])
    _, token = services.upsert_source(name="miso", team=team)
    sender = APIClient()
    sender.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    ids = []
    for external_id in ("MISO-1", "MISO-2"):
        response = sender.post(
            "/api/v1/events", {**MISO, "external_id": external_id}, format="json"
        )
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
    return Event.objects.get(pk=ids[0]), Event.objects.get(pk=ids[1])


def first_step(event: Event) -> None:
    run_step(event_id=str(event.pk), step_index=0, pass_index=0, now=timezone.now())


def while_it_pages(event: Event, work: Callable[[], object]) -> BaseException | None:
    """Run `event`'s first step; when it has scheduled its page (its transaction still open),
    run `work` as another worker would, on a connection of its own, waiting at most 5 s for
    any lock. Returns what `work` raised, if anything."""
    raised: list[BaseException] = []

    def other_worker() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '5s'")
            work()
        except BaseException as error:
            raised.append(error)
        finally:
            connection.close()

    def scheduled(*, notification, state, **_) -> None:
        pk = notification if isinstance(notification, int) else notification.pk
        if state == "pending" and str(event.pk) in _references(pk) and not ran.is_set():
            ran.set()
            worker = threading.Thread(target=other_worker)
            worker.start()
            worker.join()

    ran = threading.Event()
    state_logged.connect(scheduled, dispatch_uid="test-while-it-pages")
    try:
        first_step(event)
    finally:
        state_logged.disconnect(dispatch_uid="test-while-it-pages")
    assert ran.is_set(), "the step scheduled no page"
    return raised[0] if raised else None


def _references(notification_pk: int) -> list[str]:
    return Notification.objects.get(pk=notification_pk).references


def test_two_steps_paging_at_once_take_short_ack_codes_of_their_own_without_waiting():
    first, second = two_dispatches_waiting_for_a_worker()

    # Both want the smallest free code, 1; the second must not wait for the first to commit.
    assert while_it_pages(first, lambda: first_step(second)) is None

    codes = {e.external_id: e.ack_code for e in Event.objects.all()}
    assert codes == {"MISO-1": 1, "MISO-2": 2}


def test_other_workers_count_their_steps_lateness_while_a_step_is_paging():
    first, _ = two_dispatches_waiting_for_a_worker()
    histogram = metrics.STEP_LATENESS

    def count_on_every_row() -> None:
        """Every row a step's lateness can be added to: each bucket and the sum, each shard."""
        rows = [tallies.addition(f"{histogram.name}_bucket", le=le) for le in histogram.les]
        for addition in [*rows, tallies.addition(f"{histogram.name}_sum", value=0.5)]:
            for shard in range(Tally.SHARDS):
                addition.row.shard = shard
                add([addition])

    assert while_it_pages(first, count_on_every_row) is None
