"""POST /api/v1/events as an integration sees it (API.md §4)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_q.models import OrmQ

from edrops.models import Event, EventRevision
from rosters.models import EscalationPolicy
from tests.edrops.conftest import example
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

MISO = example("miso-lmr-dispatch.json")
MISO_UPDATE = example("miso-lmr-update-endtime.json")
MISO_CANCEL = example("miso-lmr-cancel.json")


def escalation_tasks() -> list[dict]:
    return [
        q.task for q in OrmQ.objects.all() if q.task["func"] == "edrops.tasks.run_escalation_step"
    ]


def test_a_new_dispatch_is_committed_with_its_first_escalation_step_queued(sender, source):
    received = timezone.now()
    with time_machine.travel(received, tick=False):
        response = sender.post("/api/v1/events", MISO, format="json")

    assert response.status_code == 202
    body = response.json()
    event = Event.objects.get()
    assert body == {
        "id": str(event.id),
        "dedup_key": "MISO-SI-20260714-0417",
        "status": "triggered",
        "created": True,
        "url": f"/api/v1/events/{event.id}",
    }
    assert (event.source, event.team.slug, event.sender_status) == (source, "grid-ops", "scheduled")
    assert event.mw == pytest.approx(12.5)
    assert event.resources == ["LMR-AMIL-0031", "LMR-AMIL-0032"]
    assert event.details["max_gen_step"] == "Event Step 2"
    assert event.respond_by == received + timedelta(minutes=10)
    assert [t["args"] for t in escalation_tasks()] == [(str(event.id), 0, 0)]
    assert list(event.timeline.values_list("kind", flat=True)) == ["received"]


def test_without_respond_by_the_team_has_its_own_ack_sla_to_answer(sender, team):
    EscalationPolicy.objects.create(team=team, ack_sla=timedelta(minutes=4))
    received = timezone.now()
    with time_machine.travel(received, tick=False):
        sender.post("/api/v1/events", MISO, format="json")

    assert Event.objects.get().respond_by == received + timedelta(minutes=4)


def test_a_redelivery_answers_200_with_the_same_body_and_pages_nobody_again(sender):
    first = sender.post("/api/v1/events", MISO, format="json")
    again = sender.post("/api/v1/events", MISO, format="json")

    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": False}
    assert Event.objects.count() == 1
    assert EventRevision.objects.count() == 1
    assert len(escalation_tasks()) == 1


def test_a_higher_revision_updates_the_event_keeps_what_it_omits_and_pages_nobody_again(sender):
    sender.post("/api/v1/events", MISO, format="json")
    response = sender.post("/api/v1/events", MISO_UPDATE, format="json")

    assert response.status_code == 202
    assert response.json()["created"] is False
    event = Event.objects.get()
    assert event.revision == 1
    assert event.ends_at == parse_datetime("2026-07-14T19:00:00-05:00")
    assert event.summary.endswith("(end time moved to 19:00)")
    assert event.resources == ["LMR-AMIL-0031", "LMR-AMIL-0032"]  # not in the update: kept
    assert event.status == "triggered"
    assert list(event.revisions.values_list("revision", flat=True)) == [0, 1]
    assert len(escalation_tasks()) == 1


def test_a_stale_revision_is_ignored(sender):
    sender.post("/api/v1/events", MISO, format="json")
    sender.post("/api/v1/events", MISO_UPDATE, format="json")

    stale = sender.post("/api/v1/events", {**MISO, "revision": 0}, format="json")

    assert stale.status_code == 200
    event = Event.objects.get()
    assert event.revision == 1
    assert event.ends_at == parse_datetime("2026-07-14T19:00:00-05:00")
    assert event.revisions.count() == 2


def test_a_cancellation_closes_the_event(sender):
    sender.post("/api/v1/events", MISO, format="json")
    response = sender.post("/api/v1/events", MISO_CANCEL, format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "cancelled"
    event = Event.objects.get()
    assert (event.status, event.sender_status) == ("cancelled", "cancelled")
    assert event.closed_by_name == "source:miso-dispatch"
    assert list(event.timeline.values_list("kind", flat=True)) == [
        "received",
        "revised",
        "cancelled",
    ]
    assert len(escalation_tasks()) == 1


def test_a_completion_resolves_the_event(sender):
    sender.post("/api/v1/events", MISO, format="json")
    done = {**MISO_UPDATE, "revision": 5, "status": "completed"}

    assert sender.post("/api/v1/events", done, format="json").json()["status"] == "resolved"


def test_a_dispatch_that_arrives_cancelled_is_kept_closed_and_pages_nobody(sender):
    response = sender.post("/api/v1/events", MISO_CANCEL, format="json")

    assert response.status_code == 202
    assert Event.objects.get().status == "cancelled"
    assert escalation_tasks() == []


def test_a_new_active_revision_of_a_cancelled_dispatch_opens_it_and_pages_again(sender):
    sender.post("/api/v1/events", MISO, format="json")
    sender.post("/api/v1/events", MISO_CANCEL, format="json")

    reinstated = sender.post("/api/v1/events", {**MISO, "revision": 3}, format="json")

    assert reinstated.status_code == 202
    assert reinstated.json()["status"] == "triggered"
    assert len(escalation_tasks()) == 2


def test_the_senders_respond_by_wins_over_the_team_sla(sender):
    sender.post("/api/v1/events", example("pjm-dr-30min.json"), format="json")

    event = Event.objects.get()
    assert event.respond_by == parse_datetime("2026-06-23T15:10:00-04:00")
    assert event.sender_status == "active"
    assert event.severity == "critical"


def test_team_in_the_body_routes_the_event_to_a_team_the_source_may_page(sender, source):
    source.may_page.add(TeamFactory(slug="pjm-desk"))
    sender.post("/api/v1/events", {**MISO, "team": "pjm-desk"}, format="json")

    assert Event.objects.get().team.slug == "pjm-desk"


def test_the_same_external_id_from_two_sources_is_two_events(sender, team, client):
    from edrops import services

    _, other_token = services.upsert_source(name="pjm-feed", team=team)
    sender.post("/api/v1/events", MISO, format="json")
    response = client.post(
        "/api/v1/events",
        MISO,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other_token}",
    )

    assert response.status_code == 202
    assert Event.objects.count() == 2


def test_without_a_token_or_with_an_unknown_one_the_answer_is_401(client, source):
    without = client.post("/api/v1/events", MISO, content_type="application/json")
    unknown = client.post(
        "/api/v1/events",
        MISO,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer not-a-token",
    )

    assert (without.status_code, unknown.status_code) == (401, 401)
    assert without["WWW-Authenticate"].startswith("Bearer")
    assert Event.objects.count() == 0


def test_a_body_over_512_kib_is_refused_with_413(sender):
    huge = {**MISO, "details": {"blob": "x" * (512 * 1024)}}

    response = sender.post("/api/v1/events", huge, format="json")

    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_a_body_just_under_512_kib_is_accepted(sender):
    padding = 512 * 1024 - len(str(MISO)) - 200
    response = sender.post(
        "/api/v1/events", {**MISO, "details": {"blob": "x" * padding}}, format="json"
    )

    assert response.status_code == 202


def test_over_the_sources_rate_limit_the_answer_is_429_with_retry_after(sender, source):
    source.rate_limit = 2  # a burst of 2, then one every 30 s
    source.save()
    moment = timezone.now()
    with time_machine.travel(moment, tick=False):
        answers = [
            sender.post("/api/v1/events", {**MISO, "external_id": f"E-{n}"}, format="json")
            for n in range(3)
        ]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 30
    assert "limit of 2 events a minute" in answers[2].json()["detail"]
    assert Event.objects.count() == 2

    with time_machine.travel(moment + timedelta(seconds=31), tick=False):
        later = sender.post("/api/v1/events", {**MISO, "external_id": "E-3"}, format="json")
    assert later.status_code == 202


def test_a_rate_limit_of_0_means_none(sender, source):
    source.rate_limit = 0
    source.save()
    answers = {
        sender.post("/api/v1/events", {**MISO, "external_id": f"E-{n}"}, format="json").status_code
        for n in range(5)
    }
    assert answers == {202}
