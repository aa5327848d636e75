"""edrops as an OpenADR 2.0b VEN against a real OpenLEADR VTN on loopback, through the real
web, worker, clock and ven processes: the utility's event pages the primary, her "4" opts the
aggregator in, a modified event revises it, a cancelled one tells her, a dead VTN alarms."""

import re
import subprocess
import time
from datetime import datetime, timedelta

import pytest
import yaml

from tests.e2e.stack import MANAGE, REPO, first_shift_now, wait_for
from tests.fakes.vtn2b import Vtn2b

pytestmark = [pytest.mark.e2e, pytest.mark.wall_clock(240)]

ALICE = "+13125550101"
POLL = 1  # seconds: the VTN's requested rate
GRACE = 2  # seconds of silence past a poll interval before the VTN counts as dead


def roster() -> dict:
    return {
        "people": [
            {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago",
             "phone": ALICE, "login": "alice", "contact": [{"channel": "sms", "after": "0s"}]},
        ],
        "teams": [
            {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
             "members": ["alice"],
             "rotations": [
                 {"name": "primary", "start": first_shift_now("America/Chicago"), "shift": "1w",
                  "timezone": "America/Chicago", "people": ["alice"]},
             ],
             "escalation": {"steps": [{"notify": ["rotation:primary"], "wait": "10m"}]}},
        ],
    }  # fmt: skip


def manage(stack, *args: str) -> str:
    return subprocess.run(
        [*MANAGE, *args], cwd=REPO, env=stack.env(), capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def vtn():
    utility = Vtn2b(poll_seconds=POLL)
    yield utility
    utility.stop()


def test_a_utility_event_pages_the_primary_and_her_ack_opts_the_aggregator_in(
    stack, phones, vtn, tmp_path
):
    twilio, _ = phones
    (tmp_path / "roster.yaml").write_text(yaml.safe_dump(roster()))
    manage(stack, "load_roster", str(tmp_path / "roster.yaml"))
    token = re.search(r"token (\w+)", manage(stack, "drf_create_token", "alice"))[1]
    alice = {"Authorization": f"Token {token}"}
    manage(
        stack,
        *("create_source", "pjm-vtn", "--team", "grid-ops", "--openadr2b-vtn", vtn.url),
        *("--ven-name", "edrops-aggregator", "--poll-interval", f"{POLL}s"),
        *("--heartbeat-grace", f"{GRACE}s"),
    )
    # The clock last: the source's first deadline counts from its creation (a few seconds
    # here), and starting the processes on a loaded machine can take longer than that.
    stack.start("web", "worker", "ven")
    vtn.wait_for_registration()
    assert vtn.registered == ["edrops-aggregator"]
    stack.start("clock")
    wait_for(
        lambda: stack.get("/readyz").status_code == 200, timeout=10, what="/readyz", stack=stack
    )

    # The utility dispatches: Alice is paged within a poll interval and a second. The bound
    # is loose on purpose (a loaded machine); the real latency is the poll interval's.
    vtn.add_event("pjm-lm-0412", starts_in=timedelta(minutes=30), mw=12.5)
    added = time.monotonic()
    page = twilio.expect_sms(to=ALICE, containing="Reply", timeout=15)
    assert time.monotonic() - added < 15
    assert "12.5" in page.body or "LOAD_DISPATCH" in page.body, page.body
    code = re.search(r"Reply (\d+) to ack", page.body)[1]

    [event] = wait_for(lambda: stack.get("/api/v1/events", headers=alice).json()["results"],
                       timeout=5, what="the event", stack=stack)  # fmt: skip
    assert (event["source"], event["status"], event["sender_status"]) == (
        "pjm-vtn", "triggered", "scheduled",
    )  # fmt: skip
    assert event["mw"] == 12.5
    assert event["program"].startswith("oadr://pjm.example/")
    vtn.expect_opt("pjm-lm-0412", "optOut")  # OpenLEADR's at-once answer: the default
    assert set(vtn.opts("pjm-lm-0412")) == {"optOut"}, "nothing opted in before an ack"

    twilio.reply_sms(from_=ALICE, body=code)
    twilio.expect_sms(to=ALICE, containing="acknowledged by alice via sms")
    opted_in = vtn.expect_opt("pjm-lm-0412", "optIn", timeout=10)
    assert opted_in.modification_number == 0
    detail = stack.get(f"/api/v1/events/{event['id']}", headers=alice).json()
    told = [e["detail"] for e in detail["timeline"] if e["kind"] == "vtn"]
    assert any("told the VTN optIn" in d and "200 OK" in d for d in told), told

    # The utility moves the start: the event is revised (modificationNumber 1), not new.
    vtn.modify_event("pjm-lm-0412", starts_in=timedelta(minutes=45))

    def revised():
        now = stack.get(f"/api/v1/events/{event['id']}", headers=alice).json()
        return now if now["revision"] == 1 else None

    moved = wait_for(revised, timeout=10, what="the revision", stack=stack)
    starts = datetime.fromisoformat(moved["starts_at"]) - datetime.fromisoformat(event["starts_at"])
    assert timedelta(minutes=14) < starts < timedelta(minutes=16)
    assert moved["status"] == "acknowledged"
    assert len(stack.get("/api/v1/events", headers=alice).json()["results"]) == 1

    # The utility cancels: the event is cancelled and Alice, who has it, is told.
    vtn.cancel_event("pjm-lm-0412")
    twilio.expect_sms(to=ALICE, containing="cancelled by pjm-vtn", timeout=10)
    gone = stack.get(f"/api/v1/events/{event['id']}", headers=alice).json()
    assert (gone["status"], gone["sender_status"]) == ("cancelled", "cancelled")

    # The VTN dies: its polls go unanswered, and the source goes silent.
    vtn.stop()
    alarm = wait_for(
        lambda: [
            e for e in stack.get("/api/v1/events", headers=alice).json()["results"]
            if e["summary"].startswith("pjm-vtn silent since")
        ],
        timeout=POLL + GRACE + 20, what="the silent-source alarm", stack=stack,
    )  # fmt: skip
    assert alarm
    twilio.expect_sms(to=ALICE, containing="pjm-vtn silent since", timeout=20)
    twilio.expect_nothing_more()
