"""A storm: 1,000 dispatches for one team in 10 s, with the real processes.

Alice's phone must not melt (SMS at most 5 per 15 min), she must learn of the storm at once
(one bundle, a few seconds in, not 15 minutes later), one "ack all" must acknowledge all of
them, and nothing may be lost."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from tests.chaos import on_postgresql, scenario
from tests.e2e.stack import wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.chaos,
    on_postgresql,
]

TOKEN = "storm-feed-token"
ALICE = scenario.ALICE
STORM, SECONDS, SENDERS = 1000, 10, 8
BUNDLE = re.compile(r"(\d+) pages for Grid Operations held back \(SMS limit 5 per 15 min\)")

ROSTER = scenario.alice_on_call(
    {"ack_sla": "30m", "steps": [{"notify": ["rotation:primary"], "wait": "30m"}]}
)


@pytest.fixture
def storm_ready(stack, phones, tmp_path):
    scenario.prepare(stack, tmp_path, roster=ROSTER, source="storm-feed", token=TOKEN)
    stack.start("web", "worker", "clock")
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=30, what="ready")
    return stack, phones[0]


def post_storm(stack) -> list[int]:
    """STORM dispatches over SECONDS, from SENDERS connections at once."""
    began = time.monotonic()
    local = threading.local()

    def post(n: int) -> int:
        time.sleep(max(0.0, began + n * SECONDS / STORM - time.monotonic()))
        local.session = getattr(local, "session", None) or requests.Session()
        return local.session.post(
            stack.base_url + "/api/v1/events",
            json={"external_id": f"STORM-{n:04d}", "status": "active",
                  "summary": f"Storm dispatch {n:04d}: curtail 2 MW", "mw": 2},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        ).status_code  # fmt: skip

    with ThreadPoolExecutor(SENDERS) as pool:
        return list(pool.map(post, range(STORM)))


def count(stack, sql: str) -> int:
    with psycopg.connect(stack.database_url, autocommit=True) as db:
        return db.execute(sql).fetchone()[0]


def test_1000_dispatches_in_10_s_alice_learns_at_once_and_ack_all_clears_them(storm_ready):
    stack, twilio = storm_ready
    started = time.monotonic()

    statuses = post_storm(stack)

    assert statuses.count(202) == STORM, {s: statuses.count(s) for s in set(statuses)}
    # She knows of the storm within seconds: the last place in her window carries a bundle.
    bundle = twilio.expect_sms(to=ALICE, containing="held back", timeout=60)
    assert time.monotonic() - started < 45
    # Everything held by then (how many depends on how fast the workers got through the steps).
    assert int(BUNDLE.search(bundle.body)[1]) >= 10, bundle.body
    assert "reply 'ack all'" in bundle.body
    wait_for(
        lambda: (
            count(stack, "SELECT count(*) FROM edrops_event WHERE last_step_at IS NOT NULL")
            == STORM
        ),
        timeout=120,
        what="every dispatch's first step",
        stack=stack,
    )
    pages = [sms for sms in twilio.sms if sms.to == ALICE]
    assert len(pages) <= 5, [sms.body for sms in pages]

    twilio.reply_sms(from_=ALICE, body="ack all")

    wait_for(
        lambda: (
            count(stack, "SELECT count(*) FROM edrops_event WHERE status = 'acknowledged'") == STORM
        ),
        timeout=120,
        what="ack all to acknowledge all 1,000",
        stack=stack,
    )
    assert count(stack, "SELECT count(*) FROM edrops_event") == STORM
    reply = twilio.expect_sms(to=ALICE, containing="acknowledged", timeout=30)
    assert "acknowledged" in reply.body
    time.sleep(3)
    pages = [sms for sms in twilio.sms if sms.to == ALICE]
    assert len(pages) <= 6, "5 pages at most, and the answer to her 'ack all'"
