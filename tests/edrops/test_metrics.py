"""GET /metrics as Prometheus scrapes it: every figure comes from the database, so it moves as
a source posts, people are paged and acknowledge, whichever process answers; `promtool check
metrics` has nothing to say; only this machine and staff may read it."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from edrops import services
from edrops.clock import tick
from edrops.models import Event, ProcessCheckIn
from tests.edrops.conftest import MISO, NOON
from tests.factories import person_token
from tests.promtool import promtool

pytestmark = pytest.mark.django_db

EVERY_METRIC = [
    "edrops_events_received_total",
    "edrops_pages_total",
    "edrops_first_page_seconds",
    "edrops_acknowledge_seconds",
    "edrops_step_lateness_seconds",
    "edrops_heartbeat_lateness_seconds",
    "edrops_open_events",
    "edrops_notifications",
    "edrops_queue_tasks",
    "edrops_queue_oldest_task_seconds",
    "edrops_process_last_checkin_seconds",
    "edrops_ingest_unauthenticated_total",
]


def scrape_text(client: APIClient | None = None) -> str:
    response = (client or APIClient()).get("/metrics")  # the test client is 127.0.0.1
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def scrape() -> dict[tuple[str, frozenset], float]:
    """Every sample, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(scrape_text())
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def received(samples, source: str, outcome: int, integration: str = "native") -> float:
    return value(
        samples,
        "edrops_events_received_total",
        source=source,
        integration=integration,
        outcome=str(outcome),
    )


def test_every_metric_is_there_on_an_empty_database_and_promtool_has_nothing_to_say():
    text = scrape_text()

    for name in EVERY_METRIC:
        assert f"# TYPE {name} " in text, name
    samples = scrape()
    assert value(samples, "edrops_acknowledge_seconds_count") == 0
    assert value(samples, "edrops_acknowledge_seconds_bucket", le="+Inf") == 0
    assert value(samples, "edrops_open_events", state="triggered") == 0
    # Never seen is infinitely long ago: "no worker" alerts on it without a special case.
    assert value(samples, "edrops_process_last_checkin_seconds", role="worker") == float("inf")
    checked = promtool("check", "metrics", stdin=text)
    assert (checked.returncode, checked.stdout.strip()) == (0, ""), checked.stderr


def test_the_figures_move_as_a_source_posts_people_are_paged_and_they_acknowledge(
    team, alice, sender, responder, clock
):
    team.members.add(alice)  # no rotations: the team's members are paged, alice by SMS
    services.upsert_source(name="pjm-dr", team=team, token="pjm-t", rate_limit=1)
    pjm = APIClient()
    pjm.credentials(HTTP_AUTHORIZATION="Bearer pjm-t")
    before = scrape()

    assert sender.post("/api/v1/events", MISO, format="json").status_code == 202
    queued = scrape()
    assert value(queued, "edrops_queue_tasks") == value(before, "edrops_queue_tasks") + 1
    assert value(queued, "edrops_open_events", state="triggered") == 1
    assert sender.post("/api/v1/events", MISO, format="json").status_code == 200
    assert sender.post("/api/v1/events", {"summary": ""}, format="json").status_code == 400
    assert APIClient().post("/api/v1/events", MISO, format="json").status_code == 401
    pjm_dispatch = {**MISO, "external_id": "PJM-1"}
    assert pjm.post("/api/v1/events", pjm_dispatch, format="json").status_code == 202
    pjm_dispatch["external_id"] = "PJM-2"  # over its limit of 1 a minute
    assert pjm.post("/api/v1/events", pjm_dispatch, format="json").status_code == 429

    posted = scrape()
    assert received(posted, "miso-dispatch", 202) == received(before, "miso-dispatch", 202) + 1
    assert received(posted, "miso-dispatch", 200) == 1
    assert received(posted, "miso-dispatch", 400) == 1
    assert received(posted, "", 401) == 1  # nobody we know
    assert received(posted, "pjm-dr", 202) == 1
    assert received(posted, "pjm-dr", 429) == 1
    assert value(posted, "edrops_ingest_unauthenticated_total", endpoint="/api/v1/events") == 1

    clock(3)  # the first steps run 3 s late; alice's SMS go out (to the outbox)
    paged = scrape()
    assert value(paged, "edrops_pages_total", channel="sms", outcome="sent") == 2
    assert value(paged, "edrops_step_lateness_seconds_count") == 2
    assert value(paged, "edrops_step_lateness_seconds_sum") == pytest.approx(6.0)
    assert value(paged, "edrops_step_lateness_seconds_bucket", le="2.0") == 0
    assert value(paged, "edrops_step_lateness_seconds_bucket", le="5.0") == 2
    assert value(paged, "edrops_first_page_seconds_count") == 2
    assert value(paged, "edrops_first_page_seconds_sum") == pytest.approx(6.0)

    clock(87)  # 90 s after it arrived
    miso = Event.objects.get(external_id=MISO["external_id"])
    acked = responder.post(f"/api/v1/events/{miso.pk}/acknowledge")
    assert acked.status_code == 200

    answered = scrape()
    assert value(answered, "edrops_acknowledge_seconds_count") == 1
    assert value(answered, "edrops_acknowledge_seconds_sum") == pytest.approx(90.0)
    assert value(answered, "edrops_acknowledge_seconds_bucket", le="60.0") == 0
    assert value(answered, "edrops_acknowledge_seconds_bucket", le="120.0") == 1
    assert value(answered, "edrops_open_events", state="triggered") == 1  # pjm's
    assert value(answered, "edrops_open_events", state="acknowledged") == 1
    # A second look at a page that already went counts nothing again.
    assert value(answered, "edrops_pages_total", channel="sms", outcome="sent") == 2
    assert value(answered, "edrops_first_page_seconds_count") == 2


def test_a_silent_source_s_alarm_counts_how_late_it_was_raised(team):
    with time_machine.travel(NOON, tick=False) as traveller:
        services.upsert_source(
            name="ercot-ers",
            team=team,
            heartbeat_interval=timedelta(minutes=5),
            heartbeat_grace=timedelta(minutes=1),
        )
        assert value(scrape(), "edrops_source_silent", source="ercot-ers") == 0
        traveller.shift(timedelta(minutes=6, seconds=0.3))
        tick(timezone.now())

        samples = scrape()
    assert value(samples, "edrops_source_silent", source="ercot-ers") == 1
    assert value(samples, "edrops_heartbeat_lateness_seconds_count") == 1
    assert value(samples, "edrops_heartbeat_lateness_seconds_sum") == pytest.approx(0.3)
    assert value(samples, "edrops_heartbeat_lateness_seconds_bucket", le="0.25") == 0
    assert value(samples, "edrops_heartbeat_lateness_seconds_bucket", le="0.5") == 1
    # Our own alarm is not an event received from the source.
    assert not any(name == "edrops_events_received_total" for name, _ in samples)


def test_check_ins_and_the_oldest_waiting_task_age_with_the_clock(sender):
    with time_machine.travel(NOON, tick=False) as traveller:
        services.check_in(role=ProcessCheckIn.Role.WORKER, now=timezone.now())
        services.check_in(role=ProcessCheckIn.Role.CLOCK, now=timezone.now())
        assert sender.post("/api/v1/events", MISO, format="json").status_code == 202
        traveller.shift(timedelta(seconds=40))

        samples = scrape()
    assert value(samples, "edrops_process_last_checkin_seconds", role="worker") == 40
    assert value(samples, "edrops_process_last_checkin_seconds", role="clock") == 40
    assert value(samples, "edrops_queue_tasks") == 1
    assert value(samples, "edrops_queue_oldest_task_seconds") == 40


def test_a_scrape_costs_the_same_few_queries_however_much_has_happened(sender, source):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            scrape_text()
        return len(captured)

    few = queries()
    for n in range(30):
        sender.post("/api/v1/events", {**MISO, "external_id": f"M{n}"}, format="json")
        sender.post("/api/v1/events", {"summary": ""}, format="json")
    assert queries() == few <= 7


def test_only_this_machine_and_staff_may_read_it(django_user_model):
    outside = APIClient(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics").status_code == 401

    responder = django_user_model.objects.create_user("bob", password="pw-bob-1")
    outside.credentials(HTTP_AUTHORIZATION=f"Token {person_token(responder)}")
    assert outside.get("/metrics").status_code == 403

    scraper = django_user_model.objects.create_user("prometheus", is_staff=True)
    outside.credentials(HTTP_AUTHORIZATION=f"Token {person_token(scraper)}")
    assert outside.get("/metrics").status_code == 200
    assert APIClient(REMOTE_ADDR="::1").get("/metrics").status_code == 200


def test_a_storm_s_bundle_is_the_first_page_of_every_event_it_carries(team, alice, sender, clock):
    """Twelve dispatches at once: alice's SMS limit (5 per 15 min) lets four go alone, and the
    fifth message is a bundle carrying the other eight."""
    team.members.add(alice)
    for n in range(12):
        dispatch = {**MISO, "external_id": f"STORM-{n}"}
        assert sender.post("/api/v1/events", dispatch, format="json").status_code == 202

    clock(0)
    clock(11)  # the bundle's wait for more is over

    samples = scrape()
    assert value(samples, "edrops_pages_total", channel="sms", outcome="sent") == 5
    assert value(samples, "edrops_first_page_seconds_count") == 12
    assert value(samples, "edrops_first_page_seconds_bucket", le="10.0") == 4
    assert value(samples, "edrops_first_page_seconds_bucket", le="20.0") == 12
    assert value(samples, "edrops_first_page_seconds_sum") == pytest.approx(8 * 11)
    assert Event.objects.filter(first_paged_at__isnull=True).count() == 0
