"""A dispatch through the real web and worker processes: accepted once, escalation started once."""

import json
import subprocess

import pytest

from tests.e2e.stack import MANAGE, REPO, wait_for

pytestmark = pytest.mark.e2e

DISPATCH = json.loads((REPO / "edrops/api/examples/miso-lmr-dispatch.json").read_text())


def manage(stack, *args: str) -> str:
    done = subprocess.run(
        [*MANAGE, *args], cwd=REPO, env=stack.env(), capture_output=True, text=True, check=True
    )
    return done.stdout


def escalation_requested(stack) -> str:
    return manage(
        stack,
        "shell",
        "-v0",
        "-c",
        "from edrops.models import Event; print(Event.objects.get().last_step_at or '', end='')",
    )


def test_a_dispatch_is_accepted_once_and_the_worker_starts_its_escalation(stack):
    manage(
        stack,
        "shell",
        "-v0",
        "-c",
        "from rosters.models import Team; Team.objects.create(slug='grid-ops', name='Grid Ops')",
    )
    token = manage(stack, "create_source", "miso-dispatch", "--team", "grid-ops").splitlines()[-1]
    stack.start("web")
    auth = {"Authorization": f"Bearer {token}"}

    first = stack.post("/api/v1/events", json=DISPATCH, headers=auth)
    again = stack.post("/api/v1/events", json=DISPATCH, headers=auth)

    assert (first.status_code, again.status_code) == (202, 200)
    assert escalation_requested(stack) == "", "nothing runs the step before a worker is up"

    stack.start("worker")
    wait_for(
        lambda: escalation_requested(stack),
        timeout=30,
        what="the first escalation step",
        stack=stack,
    )
