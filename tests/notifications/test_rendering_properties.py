"""Whatever a sender writes (newlines, control characters, emoji, Slack markup, 10,000
characters), every renderer gives a message its channel takes: one SMS segment, Slack blocks
within Slack's limits with nothing of the sender's read as markup, an email whose headers are
one line, a call script that is valid XML text."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications import slack_blocks
from notifications.content import PageContent
from notifications.rendering import (
    _GSM7_BASIC,
    _GSM7_EXTENDED,
    SMS_SEGMENT,
    gsm7_length,
    one_line,
    render_bundle,
    render_email,
    render_sms,
    render_status,
    render_voice,
    to_gsm7,
)

NOW = datetime(2026, 7, 14, 17, 15, tzinfo=UTC)
ZONES = [ZoneInfo(z) for z in ("America/Chicago", "Europe/Berlin", "Asia/Kolkata", "UTC")]
GSM7 = _GSM7_BASIC | _GSM7_EXTENDED
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
OUR_LINK = re.compile(r"<https?://[^|<>]+\|open>")

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

tricky = st.sampled_from(
    [
        "<!channel> <https://example.invalid/x|Acknowledge here>",
        "<!here> & <@U0BOB> <#C0GRIDOPS> &amp; &lt;",
        "line one\r\nline two\n\n\ttabbed\x0b\x0c\x1b[31m red",
        "\x00nul\x07bell\x7f\u2028sep\u2029",
        "🚨 Feeder 12 👨‍👩‍👧 ⚡️ Störung Größe 断电",
        "€€€€[]{}^~|\\" * 20,
        "*bold* _it_ ~strike~ `code`",
    ]
)
# Lone surrogates included: JSON can carry them.
any_char = st.characters(exclude_categories=())
text = st.one_of(
    st.text(any_char, max_size=300),
    tricky,
    st.builds(
        lambda s, n: (s * n)[:10_000], st.text(any_char, min_size=1, max_size=8), st.just(10_000)
    ),
    st.lists(st.one_of(tricky, st.text(any_char, max_size=40)), max_size=6).map("".join),
)
moment = st.one_of(
    st.none(),
    st.integers(-3 * 86400, 3 * 86400).map(lambda s: NOW + timedelta(seconds=s)),
)
pages = st.builds(
    PageContent,
    summary=text,
    market=text,
    program=text,
    mw=st.one_of(st.none(), st.decimals(0, Decimal("999999999.999"), places=3)),
    location=text,
    starts_at=moment,
    ends_at=moment,
    respond_by=moment,
    ack_code=st.one_of(st.just(""), st.integers(1, 999_999).map(str)),
    test=st.booleans(),
    team=text,
    url=st.sampled_from(["", "http://127.0.0.1:8000/events/0190f6c4-7d3a-7cc1-8f64-1e1a2b3c4d5e"]),
)
zones = st.sampled_from(ZONES)


def assert_inert(mrkdwn: str) -> None:
    """Nothing in `mrkdwn` but our own links is Slack markup; every & is an entity."""
    bare = OUR_LINK.sub("", mrkdwn)
    assert "<" not in bare
    assert ">" not in bare
    assert not re.search(r"&(?!amp;|lt;|gt;)", bare)


def assert_within_slack_limits(blocks: list) -> None:
    assert len(blocks) <= slack_blocks.BLOCKS_MAX
    for block in blocks:
        if block["type"] == "section":
            assert 1 <= len(block["text"]["text"]) <= slack_blocks.SECTION_MAX
            assert_inert(block["text"]["text"])


def assert_one_sms(message: str) -> None:
    assert gsm7_length(message) <= SMS_SEGMENT
    assert set(message) <= GSM7


@PROPERTIES
@given(page=pages, tz=zones)
def test_a_page_by_sms_is_one_gsm7_segment_with_the_instruction_and_the_summary(page, tz):
    message = render_sms(page, tz=tz, now=NOW)
    assert_one_sms(message)
    assert message.endswith(f"Reply {page.ack_code} to ack." if page.ack_code else "acknowledge.")
    said = to_gsm7(one_line(page.summary)).split()
    if said:
        assert said[0][:4].rstrip(" .,;:") in message, "the sender's words are never dropped"


@PROPERTIES
@given(page=pages, tz=zones)
def test_a_call_script_is_one_bounded_line_of_text_xml_can_carry(page, tz):
    script = render_voice(page, tz=tz, now=NOW)
    assert not CONTROL.search(script)
    assert len(script) <= 1500
    script.encode("utf-8")  # no lone surrogate


@PROPERTIES
@given(page=pages, tz=zones)
def test_an_email_has_a_one_line_subject_and_django_builds_it(page, tz):
    subject, body = render_email(page, tz=tz, now=NOW)
    assert "\n" not in subject
    assert "\r" not in subject
    assert len(subject) <= 200
    EmailMessage(subject=subject, body=body, to=["alice@example.com"]).message()


@PROPERTIES
@given(page=pages, tz=zones)
def test_a_slack_page_is_within_slacks_limits_and_the_sender_writes_no_markup(page, tz):
    fallback, blocks = slack_blocks.render_page(page, tz=tz, now=NOW, reference="ref")
    assert len(fallback) <= slack_blocks.TEXT_MAX
    assert_inert(fallback)
    assert_within_slack_limits(blocks)
    assert blocks[-1]["elements"][0]["action_id"] == "acknowledge"


@PROPERTIES
@given(
    held=st.lists(pages, min_size=1, max_size=300),
    answers=st.lists(st.one_of(st.just(""), text), max_size=300),
)
def test_a_bundle_of_any_size_fits_every_channel(held, answers):
    slack = slack_blocks.bundle_text(held, reason="Slack limit 10 per 15 min", answers=answers)
    assert_within_slack_limits(slack_blocks.bundle_blocks(slack, bundle_id=7))
    assert slack.startswith(f"{len(held)} ")
    _, sms = render_bundle("sms", held, reason="SMS limit 5 per 15 min")
    assert_one_sms(sms)
    assert sms.endswith("reply 'ack all' to acknowledge all.")
    _, voice = render_bundle("voice", held, reason="Voice call limit 3 per 15 min")
    assert not CONTROL.search(voice)
    subject, _ = render_bundle("email", held, reason="Email limit 10 per 15 min")
    assert "\n" not in subject


@PROPERTIES
@given(said=text, title=text)
def test_status_messages_and_rewrites_fit_their_channel(said, title):
    assert_one_sms(render_status("sms", said))
    assert not CONTROL.search(render_status("voice", said))
    rewritten = slack_blocks.status_text(said, title=title)
    assert_within_slack_limits([slack_blocks.section(rewritten)])
