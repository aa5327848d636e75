"""edrops as an OpenADR 3 VEN against the test VTN (tests/fakes/vtn3.py, built from the OpenADR
3 OpenAPI document), through the real web, worker, clock and ven processes: the same story
as 2.0b's (test_openadr2b.py)."""

import re
import time
from datetime import datetime, timedelta

import pytest
import yaml

from tests.e2e.stack import wait_for
from tests.e2e.test_openadr2b import ALICE, manage, roster
from tests.fakes.vtn3 import PROGRAM_NAME, Vtn3

pytestmark = [pytest.mark.e2e, pytest.mark.wall_clock(240)]

POLL, GRACE = 1, 2  # seconds


@pytest.fixture
def vtn():
    utility = Vtn3(client_id="edrops-aggregator", client_secret="s3cret-for-tests")
    yield utility
    utility.close()


def test_an_openadr3_event_pages_the_primary_and_her_ack_is_reported_as_opt_in(
    stack, phones, vtn, tmp_path
):
    twilio, _ = phones
    (tmp_path / "roster.yaml").write_text(yaml.safe_dump(roster()))
    manage(stack, "load_roster", str(tmp_path / "roster.yaml"))
    token = re.search(r"token (\w+)", manage(stack, "drf_create_token", "alice"))[1]
    alice = {"Authorization": f"Token {token}"}
    manage(
        stack,
        *("create_source", "pjm-vtn3", "--team", "grid-ops", "--openadr3-vtn", vtn.url),
        *("--client-id", "edrops-aggregator", "--client-secret", "s3cret-for-tests"),
        *("--program", PROGRAM_NAME, "--poll-interval", f"{POLL}s"),
        *("--heartbeat-grace", f"{GRACE}s"),
    )
    stack.start("web", "worker", "ven")
    wait_for(
        lambda: any(r.path.startswith("/events") for r in vtn.requests),
        timeout=30, what="the VEN's first poll", stack=stack,
    )  # fmt: skip
    stack.start("clock")

    def events() -> list[dict]:
        return stack.get("/api/v1/events", headers=alice).json()["results"]

    vtn.add_event("evt-0412", starts_in=timedelta(minutes=30), kw=12_500)
    added = time.monotonic()
    page = twilio.expect_sms(to=ALICE, containing="Reply", timeout=15)
    assert time.monotonic() - added < 15  # a poll interval and a second; loose for CI
    code = re.search(r"Reply (\d+) to ack", page.body)[1]
    # The VTN also called edrops' webhook (its subscription), which took it.
    wait_for(lambda: ("CREATE", "evt-0412", 200) in vtn.callbacks, timeout=10,
             what="the VTN's callback", stack=stack)  # fmt: skip
    assert vtn.subscriptions[0]["objectOperations"][0]["callbackUrl"] == (
        f"{stack.base_url}/hooks/openadr3/pjm-vtn3"
    )
    [event] = wait_for(events, timeout=5, what="the event", stack=stack)
    assert (event["source"], event["status"], event["mw"]) == ("pjm-vtn3", "triggered", 12.5)
    assert event["program"] == PROGRAM_NAME
    assert vtn.opts("evt-0412") == [], "nothing is opted in before a person has acknowledged"

    twilio.reply_sms(from_=ALICE, body=code)
    twilio.expect_sms(to=ALICE, containing="acknowledged by alice via sms")
    vtn.expect_report("evt-0412", "optIn")
    assert vtn.opts("evt-0412") == ["optIn"]

    vtn.modify_event("evt-0412", starts_in=timedelta(minutes=45))

    def revised():
        now = stack.get(f"/api/v1/events/{event['id']}", headers=alice).json()
        return now if now["revision"] == 1 else None

    moved = wait_for(revised, timeout=10, what="the revision", stack=stack)
    later = datetime.fromisoformat(moved["starts_at"]) - datetime.fromisoformat(event["starts_at"])
    assert timedelta(minutes=14) < later < timedelta(minutes=16)
    assert moved["status"] == "acknowledged"

    vtn.delete_event("evt-0412")
    twilio.expect_sms(to=ALICE, containing="cancelled by pjm-vtn3", timeout=10)
    gone = stack.get(f"/api/v1/events/{event['id']}", headers=alice).json()
    assert gone["status"] == "cancelled"

    vtn.close()
    wait_for(
        lambda: [e for e in events() if e["summary"].startswith("pjm-vtn3 silent since")],
        timeout=POLL + GRACE + 20, what="the silent-source alarm", stack=stack,
    )  # fmt: skip
    twilio.expect_sms(to=ALICE, containing="pjm-vtn3 silent since", timeout=20)
    twilio.expect_nothing_more()
