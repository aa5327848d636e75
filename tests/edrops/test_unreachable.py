"""A page nobody got: alice's number is invalid and her phone rings out, so no contact rule
reached her. The event's timeline says so, and so does the team's Slack channel."""

import logging

import pytest
from rest_framework.test import APIClient

from edrops import selectors
from edrops.models import TimelineEntry
from tests.edrops.conftest import MISO, miso_sender_for, post_dispatch_and_run_workers
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "+13125550101"

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
         "contact": [{"channel": "sms", "after": "0s"}, {"channel": "voice", "after": "1m"}]},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/New_York",
         "slack_channel": "C0GRIDOPS", "members": ["alice"],
         "escalation": {"steps": [{"notify": ["person:alice"], "wait": "5m"},
                                  {"notify": ["team"]}]}},
    ],
}  # fmt: skip

UNREACHABLE = (
    "alice could not be reached by any contact method "
    "(sms: twilio 21211 invalid number; voice: not reached: no-answer)"
)


@pytest.fixture
def sender(tmp_path):
    return miso_sender_for(tmp_path, ROSTER)


@pytest.fixture
def reader(django_user_model):
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("ops"))
    return client


def page_alice_and_reach_her_nowhere(sender, clock, twilio):
    twilio.reject_next_as_invalid_number()
    event = post_dispatch_and_run_workers(sender)
    call = twilio.expect_call(to=ALICE)  # the SMS failed: the call goes at once
    twilio.complete_call(call, "no-answer")
    run_queued_tasks()
    return event


def test_page_alice_her_number_is_invalid_and_the_call_rings_out_the_team_is_told(
    sender, clock, twilio, slack, reader
):
    event = page_alice_and_reach_her_nowhere(sender, clock, twilio)

    notice = slack.expect_message(to="C0GRIDOPS", containing="could not be reached")
    assert notice.text == (
        f"{UNREACHABLE} about MISO LMR dispatch (12.5 MW in LRZ 4 / AMIL.BGS6 at 15:00 EDT "
        "(in 1 h 45 min)). It is still open: MISO LMR scheduling instruction: curtail 12.5 MW "
        "in LRZ 4"
    )
    [entry] = [e for e in selectors.timeline(event=event) if e.kind == "unreachable"]
    assert (entry.person, entry.detail) == ("alice", UNREACHABLE)
    body = reader.get(f"/api/v1/events/{event.pk}").json()
    [api_entry] = [e for e in body["timeline"] if e["kind"] == "unreachable"]
    assert (api_entry["person"], api_entry["detail"]) == ("alice", UNREACHABLE)
    twilio.expect_nothing_more()
    slack.expect_nothing_more()


def test_when_the_teams_channel_cannot_be_told_either_the_log_says_so_at_error(
    sender, clock, twilio, slack, caplog
):
    slack.fail_next(error="channel_not_found")
    with caplog.at_level(logging.ERROR):
        event = page_alice_and_reach_her_nowhere(sender, clock, twilio)
    assert [e.kind for e in selectors.timeline(event=event)].count("unreachable") == 1
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "to C0GRIDOPS failed for good: slack channel_not_found" in error.getMessage()


def test_in_a_storm_the_channel_hears_once_that_alice_cannot_be_reached(
    sender, clock, twilio, slack
):
    for n in range(2):
        twilio.reject_next_as_invalid_number()
        post_dispatch_and_run_workers(sender, body={**MISO, "external_id": f"storm-{n}"})
        twilio.complete_call(twilio.expect_call(to=ALICE), "no-answer")
        run_queued_tasks()

    slack.expect_message(to="C0GRIDOPS", containing="could not be reached")
    slack.expect_nothing_more()
    assert TimelineEntry.objects.filter(kind="unreachable").count() == 2
