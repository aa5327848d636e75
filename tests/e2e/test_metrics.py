"""`curl /metrics` from this machine, against the real web, worker and clock processes: every
metric is there, and the figures move as a source posts, the worker pages and a person
acknowledges. The processes log one JSON object a line (LOG_FORMAT=json), with a line for the
page sent and the acknowledgement naming the event, and none for the worker's check-ins."""

import json
import subprocess

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.stack import MANAGE, REPO, first_shift_now, wait_for

pytestmark = pytest.mark.e2e

TOKEN = "miso-e2e-metrics"
ROSTER = {
    "people": [{"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago",
                "phone": "+13125550101", "contact": [{"channel": "sms", "after": "0s"}]}],
    "teams": [{"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
               "members": ["alice"],
               "rotations": [{"name": "primary", "start": first_shift_now("America/Chicago"),
                              "shift": "1w", "people": ["alice"]}],
               "escalation": {"steps": [{"notify": ["rotation:primary"], "wait": "5m"}]}}],
}  # fmt: skip


def manage(stack, *args: str) -> str:
    done = subprocess.run(
        [*MANAGE, *args], cwd=REPO, env=stack.env(), capture_output=True, text=True, check=True
    )
    return done.stdout


def metrics(stack) -> dict[tuple[str, frozenset], float]:
    response = requests.get(stack.base_url + "/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def sample(stack, name: str, **labels: str) -> float:
    return metrics(stack).get((name, frozenset(labels.items())), 0.0)


def test_the_figures_move_as_a_source_posts_the_worker_pages_and_alice_acknowledges(
    stack, tmp_path
):
    stack.env_extra["LOG_FORMAT"] = "json"
    stack.start("web")
    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump(ROSTER))
    manage(stack, "load_roster", str(roster))
    manage(stack, "create_source", "miso-dispatch", "--team", "grid-ops", "--token", TOKEN)
    manage(stack, "shell", "-c", "from django.contrib.auth import get_user_model; "
           "from rosters.models import Person; "
           "u = get_user_model().objects.create_user('alice', password='pw-alice-1'); "
           "Person.objects.filter(handle='alice').update(user=u)")  # fmt: skip
    user_token = manage(stack, "drf_create_token", "alice").split()[2]
    stack.start("worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=20, what="ready", stack=stack)
    before = metrics(stack)
    assert any(name == "edrops_queue_oldest_task_seconds" for name, _ in before)

    posted = stack.post(
        "/api/v1/events",
        json={"external_id": "MISO-E2E-METRICS", "summary": "curtail 12.5 MW", "market": "MISO"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert posted.status_code == 202, posted.text
    event_id = posted.json()["id"]
    received = {"source": "miso-dispatch", "integration": "native", "outcome": "202"}
    assert sample(stack, "edrops_events_received_total", **received) == 1

    wait_for(
        lambda: sample(stack, "edrops_pages_total", channel="sms", outcome="sent") == 1,
        timeout=10,
        what="alice's SMS counted as sent",
        stack=stack,
    )
    paged = metrics(stack)
    assert paged[("edrops_first_page_seconds_count", frozenset())] == 1
    assert paged[("edrops_first_page_seconds_sum", frozenset())] < 10
    assert paged[("edrops_step_lateness_seconds_count", frozenset())] == 1
    assert paged[("edrops_open_events", frozenset({"state": "triggered"}.items()))] == 1

    acked = stack.post(
        f"/api/v1/events/{event_id}/acknowledge",
        headers={"Authorization": f"Token {user_token}"},
    )
    assert acked.status_code == 200, acked.text
    answered = metrics(stack)
    assert answered[("edrops_acknowledge_seconds_count", frozenset())] == 1
    assert answered[("edrops_open_events", frozenset({"state": "acknowledged"}.items()))] == 1
    for role in ("worker", "clock"):
        seen = answered[("edrops_process_last_checkin_seconds", frozenset({"role": role}.items()))]
        assert seen < 30, role

    lines = [
        json.loads(line)
        for log in ("web", "worker", "clock")
        for line in (stack.logdir / f"{log}.log").read_text().splitlines()
        if line.startswith("{")
    ]
    about = [line for line in lines if line.get("event_id") == event_id]
    [sent] = [line for line in about if "sent to alice" in line["message"]]  # once
    assert sent["level"] == "INFO"
    [ack] = [line for line in about if "acknowledged by alice" in line["message"]]
    assert (ack["level"], ack["logger"]) == ("INFO", "edrops.services.acknowledgement")
    assert not [line for line in lines if "check-in" in line["message"]]
