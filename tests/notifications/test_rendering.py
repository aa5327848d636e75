"""Messages written for a person: their time zone, one SMS segment, the ack instruction intact."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from notifications.content import PageContent
from notifications.rendering import gsm7_length, render_email, render_sms, render_voice

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 23, 18, 45, tzinfo=UTC)  # 14:45 EDT

PJM = PageContent(
    summary="PJM pre-emergency load management: BGE zone, 30-minute lead time",
    market="PJM",
    program="Pre-Emergency Load Management (30 min)",
    mw=Decimal("48.0"),
    location="BGE",
    starts_at=datetime(2026, 6, 23, 19, 30, tzinfo=UTC),
    respond_by=datetime(2026, 6, 23, 19, 10, tzinfo=UTC),
    ack_code="7",
)


def test_an_sms_says_what_where_how_much_and_when_in_the_readers_time_zone():
    assert render_sms(PJM, tz=CHICAGO, now=NOW) == (
        "PJM Pre-Emergency Load Management (30 min) dispatch: 48 MW in BGE at 14:30 CDT "
        "(in 45 min). PJM pre-emergency load management: BGE zone... Reply 7 to ack."
    )
    assert "at 21:30 CEST (in 45 min)" in render_sms(PJM, tz=BERLIN, now=NOW)


def test_a_long_page_is_shortened_to_one_segment_but_keeps_the_ack_instruction():
    long = PageContent(
        summary="Heartbeat late: " + "miso-dispatch-primary-feed " * 10,
        starts_at=NOW + timedelta(minutes=10),
        location="LRZ 4 / AMIL.BGS6 and a long list of resources that goes on and on",
        mw=Decimal("12.5"),
        ack_code="12",
        test=True,
    )
    text = render_sms(long, tz=CHICAGO, now=NOW)
    assert gsm7_length(text) <= 160
    assert text.startswith("TEST Heartbeat late: miso-dispatch")
    assert text.endswith("12.5 MW at 13:55 CDT (in 10 min). Reply 12 to ack.")


def test_typographic_punctuation_does_not_cost_the_sms_its_single_segment():
    text = render_sms(
        PageContent(summary="ERCOT ERS\u201310 \u201cdeployment\u201d", ack_code="3"),
        tz=CHICAGO,
        now=NOW,
    )
    assert text == 'ERCOT ERS-10 "deployment". Reply 3 to ack.'


def test_times_on_another_day_name_the_day_and_past_starts_say_since():
    tomorrow = PageContent(
        summary="s", market="MISO", program="EDR", starts_at=NOW + timedelta(days=1)
    )
    assert "MISO EDR dispatch: at Wed 13:45 CDT (in 1 d)." in render_sms(
        tomorrow, tz=CHICAGO, now=NOW
    )
    started = PageContent(summary="s", market="MISO", starts_at=NOW - timedelta(minutes=10))
    assert "since 13:35 CDT (10 min ago)" in render_sms(started, tz=CHICAGO, now=NOW)


def test_voice_and_email_carry_the_same_facts():
    script = render_voice(PJM, tz=CHICAGO, now=NOW)
    assert "dispatch: 48 megawatts in BGE. PJM pre-emergency load management: BGE zone, " in script
    assert "30-minute lead time. Starts at 14:30 CDT, in 45 minutes." in script
    assert "Please acknowledge by 14:10 CDT." in script
    subject, body = render_email(PJM, tz=CHICAGO, now=NOW)
    assert subject == (
        "PJM Pre-Emergency Load Management (30 min) dispatch: 48 MW in BGE at 14:30 CDT (in 45 min)"
    )
    assert "To acknowledge, reply 7 to the SMS." in body


def test_a_start_a_few_seconds_short_of_the_minute_reads_as_the_minute():
    page = PageContent(summary="s", market="PJM", starts_at=NOW + timedelta(minutes=29, seconds=59))
    assert "(in 30 min)" in render_sms(page, tz=CHICAGO, now=NOW)


FEEDER = PageContent(
    summary="Feeder 12 at Elm St only: open breaker 12-3, then call the control room",
    market="MISO",
    program="LMR",
    mw=Decimal("12.5"),
    location="LRZ 4",
    starts_at=NOW + timedelta(minutes=30),
    respond_by=NOW + timedelta(minutes=10),
    ack_code="4",
)


def test_with_market_and_program_the_sms_still_carries_what_the_sender_said():
    text = render_sms(FEEDER, tz=CHICAGO, now=NOW)
    assert text == (
        "MISO LMR dispatch: 12.5 MW in LRZ 4 at 14:15 CDT (in 30 min), ack by 13:55 CDT. "
        "Feeder 12 at Elm St only: open breaker 12-3, then call the... Reply 4 to ack."
    )
    assert gsm7_length(text) <= 160


def test_a_long_summary_is_shortened_never_dropped_and_the_instruction_stays_whole():
    rambling = replace(FEEDER, summary="Feeder 12 at Elm St only: " + "open breaker 12-3 " * 20)
    text = render_sms(rambling, tz=CHICAGO, now=NOW)
    assert gsm7_length(text) <= 160
    assert "MISO LMR dispatch: 12.5 MW" in text
    assert "Feeder 12 at Elm St only: open breaker 12-3" in text
    assert text.endswith("... Reply 4 to ack.")


def test_the_call_reads_the_senders_summary_after_the_facts():
    script = render_voice(FEEDER, tz=CHICAGO, now=NOW)
    assert script.startswith(
        "MISO LMR dispatch: 12.5 megawatts in LRZ 4. "
        "Feeder 12 at Elm St only: open breaker 12-3, then call the control room. Starts at"
    )


def test_without_market_or_program_the_summary_is_the_headline_and_said_once():
    text = render_sms(replace(FEEDER, market="", program=""), tz=CHICAGO, now=NOW)
    assert text.count("Feeder 12") == 1
    assert text.startswith("Feeder 12 at Elm St only: open breaker 12-3, then call the control")


def test_a_summary_without_a_full_stop_is_measured_with_the_one_the_sms_gives_it():
    # Found by the property test: a 32-character summary fitted exactly, then got its "." and
    # made the SMS 161 characters (two segments).
    page = PageContent(
        summary="0" * 32, market="0" * 84 + "{", mw=Decimal("0.001"), ack_code="1", test=True
    )
    sms = render_sms(page, tz=CHICAGO, now=NOW)
    assert gsm7_length(sms) <= 160
    assert sms.endswith("Reply 1 to ack.")
