"""The PagerDuty round trip with the real web, worker and clock processes: a dispatch whose
first step names a PagerDuty service opens an incident in (a fake) PagerDuty keyed by our
event's id; someone acknowledges it in PagerDuty, whose signed v3 webhook acknowledges it here
and stops our escalation; resolved here, the incident is resolved there. A signed webhook to
the DERMS hears all three."""

import json
import time

import pytest
import yaml

from tests.e2e.stack import first_shift_now, wait_for
from tests.e2e.test_escalation import DISPATCH, TOKEN, event, manage, post_dispatch, user_token
from tests.fakes import FakePagerDuty, FakeReceiver
from tests.fakes.pagerduty import ROUTING_KEY

pytestmark = pytest.mark.e2e

ALICE, DAN = "+13125550101", "+13125550104"
WAIT = 3

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "dan", "name": "Dan Park", "timezone": "America/New_York", "phone": DAN,
         "contact": [{"channel": "sms", "after": "0s"}]},
        {"handle": "lead", "name": "Lee Adams", "timezone": "America/Chicago", "login": "lead",
         "role": "lead"},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "members": ["alice", "dan"],
         "rotations": [
             {"name": "primary", "start": first_shift_now("America/Chicago"), "shift": "1w",
              "timezone": "America/Chicago", "people": ["alice"]},
         ],
         "escalation": {"steps": [
             {"notify": ["rotation:primary", f"pagerduty:{ROUTING_KEY}", "webhook:derms"],
              "wait": f"{WAIT}s"},
             {"notify": ["person:dan"]},
         ]}},
    ],
}  # fmt: skip


@pytest.fixture
def outside(stack, phones, tmp_path):
    """PagerDuty and the DERMS's receiver, the stack pointed at them, roster loaded, running."""
    pagerduty = FakePagerDuty(public_base_url=stack.base_url)
    derms = FakeReceiver()
    stack.env_extra.update(
        PAGERDUTY_EVENTS_URL=pagerduty.url,
        PAGERDUTY_WEBHOOK_SECRET=pagerduty.webhook_secret,
        WEBHOOKS=json.dumps({"derms": {"url": derms.hook_url, "secret": derms.secret}}),
    )
    roster = tmp_path / "roster.yaml"
    roster.write_text(yaml.safe_dump(ROSTER))
    stack.start("web")
    manage(stack, "load_roster", str(roster))
    manage(stack, "create_source", "miso-dispatch", "--team", "grid-ops", "--token", TOKEN)
    stack.start("worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=20, what="ready")
    yield pagerduty, derms, phones[0]
    pagerduty.close()
    derms.close()


def test_pagerduty_round_trip(stack, outside):
    pagerduty, derms, twilio = outside
    lead = user_token(stack, "lead")
    event_id = post_dispatch(stack)

    trigger = pagerduty.expect_event(action="trigger", dedup_key=event_id, timeout=10)
    assert trigger.body["payload"]["summary"] == DISPATCH["summary"]
    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack", timeout=5)
    derms.expect(action="trigger", event_id=event_id, timeout=5)

    answer = pagerduty.acknowledge(event_id, agent="Tenex Engineer")
    assert answer.status_code == 200, answer.text
    acknowledged = event(stack, event_id, lead)
    assert (acknowledged["status"], acknowledged["acknowledged_by"]) == (
        "acknowledged",
        "PagerDuty (Tenex Engineer)",
    )
    twilio.expect_sms(to=ALICE, containing="acknowledged by PagerDuty (Tenex Engineer)", timeout=5)
    derms.expect(action="acknowledge", event_id=event_id, timeout=5)
    pagerduty.expect_event(action="acknowledge", dedup_key=event_id, timeout=5)

    time.sleep(WAIT + 2)  # past step 1's wait: Dan is not paged
    twilio.expect_nothing_more()

    resolved = stack.post(
        f"/api/v1/events/{event_id}/resolve", headers={"Authorization": f"Token {lead}"}
    )
    assert resolved.status_code == 200, resolved.text
    pagerduty.expect_event(action="resolve", dedup_key=event_id, timeout=10)
    assert pagerduty.incident(event_id).status == "resolved"
    assert derms.expect(action="resolve", event_id=event_id, timeout=5)["status"] == "resolved"
    pagerduty.expect_nothing_more()
    derms.expect_nothing_more()
    assert derms.refused == 0

    # The routing key is a secret: the processes' logs never print it.
    assert ROUTING_KEY not in stack.logs()
    assert ROUTING_KEY not in "".join(p.read_text() for p in stack.logdir.glob("*.log"))
