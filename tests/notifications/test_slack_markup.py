"""Slack text the sender wrote can't ping a channel or fake a link, and no message we send is
one Slack refuses: sections within 3,000 characters, at most 50 blocks. The fake Slack answers
`invalid_blocks` exactly as Slack does, so a message over its limits fails here first."""

import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications import services
from notifications.models import Channel, Notification
from tests.fakes.queue import run_queued_tasks
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = "5f0c8e5e-3f77-4d3c-9a55-0f5f6c1f2a10"
SNEAKY = "<!channel> <https://example.invalid/x|Acknowledge here> & more"
INERT = "&lt;!channel&gt; &lt;https://example.invalid/x|Acknowledge here&gt; &amp; more"


def links_in(post) -> list[str]:
    """Every <...> Slack would read as markup (a link, a mention) in a post's blocks."""
    return re.findall(r"<[^>]*>", json.dumps(post.blocks) + post.text)


def test_a_summary_with_slack_markup_pings_nobody_and_shows_no_link_but_ours(slack, alice, miso):
    services.schedule_page(
        person=alice,
        channel=Channel.SLACK,
        content=replace(miso, summary=SNEAKY, location="LRZ <4>", program="LMR & EDR"),
        reference=REFERENCE,
        due_at=timezone.now(),
        team_slack_channel="C0GRIDOPS",
    )
    run_queued_tasks()

    for to in ("C0GRIDOPS", "U0ALICE"):
        post = slack.expect_message(to=to, containing=INERT)
        assert links_in(post) == ["<http://127.0.0.1:8000/events/abc|open>"]
        assert f":rotating_light: *{INERT}*" in json.dumps(post.blocks)
        assert "in LRZ &lt;4&gt;" in json.dumps(post.blocks)
        assert "*MISO LMR &amp; EDR*" in json.dumps(post.blocks)


def test_notices_and_the_rewrite_after_an_answer_are_escaped_and_keep_our_bold(slack, miso):
    services.send_channel_notice(
        slack_channel="C0GRIDOPS", text=f"Nobody acknowledged {SNEAKY}", reference=REFERENCE
    )
    run_queued_tasks()
    notice = slack.expect_message(to="C0GRIDOPS", containing=f"Nobody acknowledged {INERT}")
    assert links_in(notice) == []

    services.update_slack_messages(
        reference=REFERENCE, title=SNEAKY, text="acknowledged by <@U0BOB> via slack at 14:02"
    )
    run_queued_tasks()
    rewritten = slack.expect_update(notice, containing="acknowledged by")
    assert rewritten == f"*{INERT}*\nacknowledged by &lt;@U0BOB&gt; via slack at 14:02"


def test_a_storm_of_held_slack_pages_is_one_bundle_within_slacks_limits(slack, alice, miso):
    long = "MISO LMR scheduling instruction for LRZ 4 / AMIL.BGS6: curtail now & report back "
    with time_machine.travel(NOON, tick=False) as clock:
        for n in range(200):
            services.schedule_page(
                person=alice,
                channel=Channel.SLACK,
                content=replace(miso, summary=f"{long}<{n}>", ack_code=str(n + 1)),
                reference=f"event-{n:03d}",
                due_at=timezone.now(),
            )
        run_queued_tasks()
        clock.shift(timedelta(minutes=15))
        services.enqueue_due(now=timezone.now())
        run_queued_tasks()

    bundle = Notification.objects.get(kind="bundle")
    assert bundle.state == "sent", bundle.last_error
    held = len(bundle.references)
    post = slack.expect_message(
        to="U0ALICE", containing=f"{held} pages for grid-ops held back (Slack limit 10 per 15 min)"
    )
    [section, actions] = post.blocks
    lines = section["text"]["text"].splitlines()
    assert len(section["text"]["text"]) <= 3000
    assert lines[1].startswith("- MISO LMR scheduling instruction")
    assert "&lt;" in lines[1]
    assert "<" not in lines[1]
    assert lines[-1] == f"… and {held - (len(lines) - 2)} more"
    assert actions["elements"][0]["action_id"] == "acknowledge_all"

    # Answers go on the lines that are shown; the message stays within the limits.
    services.update_slack_messages(reference=bundle.references[0], text="acknowledged by bob")
    run_queued_tasks()
    slack.expect_update(post, containing="acknowledged by bob")
    assert len(post.blocks[0]["text"]["text"]) <= 3000


def test_the_fake_refuses_what_slack_refuses(slack, alice, miso):
    # The old bundle text: every held page on its own line, whatever the length.
    services.send_channel_notice(slack_channel="C0GRIDOPS", text="x" * 2000)
    run_queued_tasks()
    slack.expect_message(to="C0GRIDOPS")  # 2,000: fine

    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    web = WebClient(token=slack.token, base_url=slack.api_url)
    with pytest.raises(SlackApiError) as refused:
        web.chat_postMessage(
            channel="C0GRIDOPS",
            text="too long",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        )
    assert refused.value.response["error"] == "invalid_blocks"
    too_many = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        web.chat_postMessage(channel="C0GRIDOPS", text="many", blocks=too_many)
