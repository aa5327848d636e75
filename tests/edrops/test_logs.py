"""What the processes write to stderr: the worker's routine lines at DEBUG, a line for every
page sent and every acknowledgement naming the event, and with LOG_FORMAT=json one JSON object
a line."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.edrops.conftest import MISO

REPO = Path(__file__).resolve().parents[2]
QUEUE = logging.getLogger("django-q")


def test_django_q_s_line_for_every_task_is_debug_and_its_failures_stay_errors(caplog):
    with caplog.at_level(logging.INFO):
        QUEUE.info("Enqueued [edrops] 7")
        QUEUE.info("Process-1 processing worker check-in 'edrops.tasks.worker_check_in'")
        QUEUE.info("Processed 'edrops.tasks.worker_check_in' (worker check-in)")
        QUEUE.info("Q Cluster edrops starting.")
        QUEUE.error("Failed 'edrops.tasks.deliver' (deliver #4) - boom")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "Q Cluster edrops starting."),
        ("ERROR", "Failed 'edrops.tasks.deliver' (deliver #4) - boom"),
    ]

    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        QUEUE.info("Processed 'edrops.tasks.worker_check_in' (worker check-in)")
    assert [r.levelname for r in caplog.records] == ["DEBUG"]


def run_logging(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO,
        env={**os.environ, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_log_format_json_writes_one_object_a_line_with_the_event_id():
    done = run_logging(
        "import logging; log = logging.getLogger('edrops.services.acknowledgement'); "
        "log.info('event %s acknowledged by %s via %s', 'E-1', 'bob', 'sms', "
        "extra={'event_id': 'E-1'}); "
        "log.warning('two\\nlines')",
        LOG_FORMAT="json",
    )

    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stderr.splitlines())
    assert first.pop("time").endswith("+00:00")
    assert isinstance(first.pop("process"), int)
    assert first == {
        "level": "INFO",
        "logger": "edrops.services.acknowledgement",
        "message": "event E-1 acknowledged by bob via sms",
        "event_id": "E-1",
    }
    assert second["message"] == "two\nlines"  # still one line of JSON


def test_an_unknown_log_format_stops_the_process_saying_what_it_takes():
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO,
        env={**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "edrops.settings",
             "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "LOG_FORMAT must be 'plain' or 'json', not 'xml'" in done.stderr


@pytest.mark.django_db
def test_a_page_sent_and_an_acknowledgement_are_one_info_line_each_naming_the_event(
    team, alice, sender, responder, clock, caplog
):
    team.members.add(alice)
    with caplog.at_level(logging.INFO):
        event_id = sender.post("/api/v1/events", MISO, format="json").json()["id"]
        clock(1)
        responder.post(f"/api/v1/events/{event_id}/acknowledge")
        responder.post(f"/api/v1/events/{event_id}/acknowledge")  # already: nothing new

    about = [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if getattr(r, "event_id", None) == event_id
    ]
    sent = [m for level, m in about if level == "INFO" and " sent to alice " in m]
    assert len(sent) == 1
    assert sent[0].startswith("page #")
    assert sent[0].endswith(f"by outbox about {event_id}")  # no Twilio here: the outbox
    assert ("INFO", f"event {event_id} acknowledged by alice via api") in about
    assert len([m for _, m in about if "acknowledged by" in m]) == 1
