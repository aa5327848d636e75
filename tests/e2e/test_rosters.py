"""An ops lead loads the roster file with the real command, then a script asks the running
web process who is on call and a phone's calendar app fetches the feed."""

import subprocess
from pathlib import Path

import icalendar
import pytest

from tests.e2e.stack import MANAGE, REPO

pytestmark = pytest.mark.e2e

EXAMPLE = REPO / "examples" / "roster.yaml"


def manage(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MANAGE, *args], cwd=REPO, env=stack.env(), capture_output=True, text=True, timeout=60
    )


def test_load_the_roster_then_ask_over_http_who_is_on_call_and_subscribe(stack, tmp_path: Path):
    first = manage(stack, "load_roster", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert "people: 6 created" in first.stdout
    again = manage(stack, "load_roster", str(EXAMPLE))
    assert again.returncode == 0
    assert again.stdout.splitlines()[-1] == "no changes"

    broken = tmp_path / "roster.yaml"
    broken.write_text(EXAMPLE.read_text().replace("shift: 1w", "shift: weekly"))
    refused = manage(stack, "load_roster", str(broken))
    assert refused.returncode == 1
    assert "teams[0].rotations[0].shift: 'weekly' is not a duration" in refused.stderr
    assert "teams[0].rotations[1].shift: 'weekly' is not a duration" in refused.stderr

    created = subprocess.run(
        [*MANAGE, "createsuperuser", "--noinput", "--username", "ops", "--email", "o@example.com"],
        cwd=REPO,
        env={**stack.env(), "DJANGO_SUPERUSER_PASSWORD": "ops-pass-1234"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    token = manage(stack, "drf_create_token", "ops").stdout.split()[2]

    stack.start("web")
    answer = stack.get(
        "/api/v1/teams/grid-ops/oncall",
        params={"at": "2026-11-01T03:00:00-06:00"},
        headers={"Authorization": f"Token {token}"},
    )
    assert answer.status_code == 200
    assert [(e["rotation"], e["person"], e["until"]) for e in answer.json()["on_call"]] == [
        ("primary", "alice", "2026-11-02T09:00:00-06:00"),
        ("secondary", "bob", "2026-11-02T09:00:00-06:00"),
    ]

    calendar_token = manage(
        stack,
        "shell",
        "-v0",
        "-c",
        "from rosters.models import Person as P;"
        "print(P.objects.get(handle='greta').calendar_token)",
    ).stdout.split()[-1]
    feed = stack.get(f"/calendar/{calendar_token}/me.ics")
    assert feed.status_code == 200
    shifts = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(shifts) > 50  # an 8-hour piece of every day for 8 weeks
    assert all("(Greta Vogel)" in str(e.get("summary")) for e in shifts)
