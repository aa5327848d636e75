"""The escalation engine with the real web, worker and clock processes, Slack and Twilio faked:
a dispatch pages the primary at once, the secondary when the wait is over, and the moment
anyone acknowledges — by SMS, key press, Slack or the API — nobody is paged again."""

import signal
import subprocess
import time

import psycopg
import pytest
import yaml

from tests.e2e.stack import MANAGE, REPO, first_shift_now, wait_for

pytestmark = pytest.mark.e2e

ALICE, BOB, DAN = "+13125550101", "+13125550102", "+13125550104"
WAIT = 3  # seconds between steps: short, so the suite stays quick
TOKEN = "miso-e2e-token"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "slack_user_id": "U0ALICE",
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "slack", "after": "0s"}]},
        {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/Chicago", "phone": BOB,
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "voice", "after": "1s"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
        # On no team and paged by no step: the lead acknowledges over the API.
        {"handle": "lead", "name": "Lee Adams", "timezone": "America/Chicago", "login": "lead",
         "role": "lead"},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "slack_channel": "C0GRIDOPS", "members": ["alice", "bob", "dan"],
         "rotations": [
             {"name": "primary", "start": first_shift_now("America/Chicago"), "shift": "1w",
              "timezone": "America/Chicago", "people": ["alice"]},
             {"name": "secondary", "start": first_shift_now("America/Chicago"), "shift": "1w",
              "timezone": "America/Chicago", "people": ["bob"]},
         ],
         "escalation": {"steps": [
             {"notify": ["rotation:primary"], "wait": f"{WAIT}s"},
             {"notify": ["rotation:secondary", "person:dan"], "wait": f"{WAIT}s"},
             {"notify": ["team"]},
         ]}},
    ],
}  # fmt: skip

DISPATCH = {
    "external_id": "MISO-SI-E2E-1",
    "status": "scheduled",
    "summary": "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4",
    "market": "MISO",
    "program": "LMR",
    "mw": 12.5,
    "location": "LRZ 4",
}


def manage(stack, *args: str) -> str:
    return subprocess.run(
        [*MANAGE, *args], cwd=REPO, env=stack.env(), capture_output=True, text=True, check=True
    ).stdout


def grid_ops(stack, tmp_path) -> None:
    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump(ROSTER))
    manage(stack, "load_roster", str(roster))
    manage(stack, "create_source", "miso-dispatch", "--team", "grid-ops", "--token", TOKEN)


def post_dispatch(stack, body=DISPATCH) -> str:
    """The integration posts `body` to the running stack over HTTP: the new event's id."""
    response = stack.post("/api/v1/events", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def user_token(stack, username: str) -> str:
    manage(
        stack,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"u, _ = get_user_model().objects.get_or_create(username='{username}'); "
        f"u.set_password('pw-{username}-1'); u.save()",
    )
    return manage(stack, "drf_create_token", username).split()[2]


def event(stack, event_id: str, token: str) -> dict:
    return stack.get(
        f"/api/v1/events/{event_id}", headers={"Authorization": f"Token {token}"}
    ).json()


@pytest.fixture
def running(stack, phones, tmp_path):
    stack.start("web")
    grid_ops(stack, tmp_path)
    stack.start("worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=20, what="ready")
    return phones


def test_primary_at_once_secondary_on_time_and_ack_4_by_sms_stops_everything(stack, running):
    twilio, slack = running
    posted = time.monotonic()
    event_id = post_dispatch(stack)

    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack", timeout=5)
    direct = slack.expect_message(to="U0ALICE", containing="curtail 12.5 MW", timeout=5)
    slack.expect_message(to="C0GRIDOPS", containing="curtail 12.5 MW", timeout=5)

    twilio.expect_sms(to=BOB, containing="Reply 1 to ack", timeout=WAIT + 5)
    assert time.monotonic() - posted >= WAIT, "step 2 must not come before step 1's wait"
    twilio.expect_sms(to=DAN, containing="Reply 1 to ack", timeout=5)

    twilio.reply_sms(from_=BOB, body="ack 1")
    twilio.expect_sms(to=BOB, containing="1: acknowledged by bob via sms", timeout=5)
    twilio.expect_sms(to=ALICE, containing="acknowledged by bob via sms", timeout=5)
    twilio.expect_sms(to=DAN, containing="acknowledged by bob via sms", timeout=5)
    slack.expect_update(direct, containing="acknowledged by bob via sms", timeout=5)

    time.sleep(WAIT + 2)  # past Bob's call and step 3: neither comes
    twilio.expect_nothing_more()
    slack.expect_nothing_more()
    token = user_token(stack, "lead")
    body = event(stack, event_id, token)
    assert (body["status"], body["acknowledged_by"], body["acknowledged_via"]) == (
        "acknowledged",
        "bob",
        "sms",
    )
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert {"received", "escalated", "notified", "reply", "acknowledged"} <= set(kinds)


@pytest.mark.parametrize("how", ["key press", "slack button", "api"])
def test_the_same_escalation_stops_when_acknowledged_by(stack, running, how):
    twilio, slack = running
    token = user_token(stack, "lead")
    event_id = post_dispatch(stack)
    twilio.expect_sms(to=ALICE, timeout=5)
    direct = slack.expect_message(to="U0ALICE", timeout=5)
    team_post = slack.expect_message(to="C0GRIDOPS", timeout=5)

    if how == "key press":
        twilio.expect_sms(to=BOB, timeout=WAIT + 5)
        twilio.expect_sms(to=DAN, timeout=5)
        call = twilio.expect_call(to=BOB, timeout=5)
        assert "acknowledgement is recorded" in twilio.press_key(call, "1")
        who, via, told = "bob", "voice", [ALICE, DAN]
    elif how == "slack button":
        assert slack.click_acknowledge(direct, user_id="U0ALICE").status_code == 200
        who, via, told = "alice", "slack", []
    else:
        response = stack.post(
            f"/api/v1/events/{event_id}/acknowledge", headers={"Authorization": f"Token {token}"}
        )
        assert response.status_code == 200
        who, via, told = "lead", "api", [ALICE]

    wait_for(
        lambda: event(stack, event_id, token)["status"] == "acknowledged",
        timeout=5,
        what="the acknowledgement",
    )
    for phone in told:
        twilio.expect_sms(to=phone, containing=f"acknowledged by {who} via {via}", timeout=5)
    for post in (direct, team_post):
        slack.expect_update(post, containing=f"acknowledged by {who} via {via}", timeout=5)
    time.sleep(2 * WAIT + 1)
    twilio.expect_nothing_more()
    slack.expect_nothing_more()
    assert event(stack, event_id, token)["acknowledged_via"] == via


def test_a_cancellation_mid_escalation_stops_it_and_tells_who_was_paged(stack, running):
    twilio, slack = running
    post_dispatch(stack)
    twilio.expect_sms(to=ALICE, timeout=5)
    direct = slack.expect_message(to="U0ALICE", timeout=5)
    slack.expect_message(to="C0GRIDOPS", timeout=5)

    cancel = {**DISPATCH, "revision": 1, "status": "cancelled", "summary": "withdrawn"}
    assert (
        stack.post(
            "/api/v1/events", json=cancel, headers={"Authorization": f"Bearer {TOKEN}"}
        ).status_code
        == 202
    )

    twilio.expect_sms(to=ALICE, containing="1: cancelled by miso-dispatch", timeout=5)
    slack.expect_update(direct, containing="cancelled by miso-dispatch", timeout=5)
    time.sleep(2 * WAIT + 1)
    twilio.expect_nothing_more()
    slack.expect_nothing_more()


def test_two_clocks_page_each_step_once(stack, running):
    twilio, slack = running
    stack.start("clock#2")
    post_dispatch(stack)
    slack.expect_message(to="U0ALICE", timeout=5)
    slack.expect_message(to="C0GRIDOPS", timeout=5)

    twilio.expect_sms(to=ALICE, timeout=5)
    twilio.expect_sms(to=BOB, timeout=WAIT + 5)
    twilio.expect_sms(to=DAN, timeout=5)
    twilio.expect_call(to=BOB, timeout=5)
    for phone in (ALICE, BOB, DAN):  # step 3, the whole team
        twilio.expect_sms(to=phone, timeout=WAIT + 5)
    twilio.expect_call(to=BOB, timeout=5)
    slack.expect_message(to="U0ALICE", timeout=5)  # step 3 reaches Alice on Slack again
    # The steps ran out: the team channel is told, once however many clocks.
    slack.expect_message(to="C0GRIDOPS", containing="after 3 steps (1 pass)", timeout=5)
    time.sleep(2)
    twilio.expect_nothing_more()
    slack.expect_nothing_more()


def test_a_worker_killed_mid_step_and_the_step_still_happens_once(stack, phones, tmp_path):
    """The worker takes the first step's task and is SIGKILLed while the step waits on the
    event's row lock (held here). The clock sees the step was taken and never finished and
    queues it again within seconds (not after Q_RETRY, 45 s): Alice is paged once."""
    if "postgres" not in stack.database_url:
        pytest.skip("holding a row lock from outside needs PostgreSQL (SQLite locks the file)")
    twilio, _ = phones
    stack.start("web")
    grid_ops(stack, tmp_path)
    event_id = post_dispatch(stack)

    with psycopg.connect(stack.database_url) as held:
        held.execute("SELECT 1 FROM edrops_event WHERE id = %s FOR UPDATE", (event_id,))
        stack.start("worker")
        wait_for(
            lambda: (
                psycopg.connect(stack.database_url, autocommit=True)
                .execute("SELECT count(*) FROM django_q_ormq WHERE lock > now()")
                .fetchone()[0]
            ),
            timeout=15,
            what="a worker to take the step's task",
        )
        time.sleep(0.5)
        stack.stop("worker", signal.SIGKILL)
    # The lock is released with the dead worker's connection.
    stack.start("worker", "clock")
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack", timeout=20)
    time.sleep(1)
    twilio.expect_nothing_more()
