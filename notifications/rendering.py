"""Messages written for a person, not a log: what, where, how much, when in *their* time zone,
how long until it starts, what the sender said, and how to acknowledge.

    MISO LMR dispatch: 12.5 MW in LRZ 4 at 14:00 CDT (in 1 h 45 min). MISO LMR scheduling
    instruction: curtail 12.5 MW in LRZ 4. Reply 4 to ack.

An SMS is one GSM-7 segment (160 characters): richer versions are tried first and details
dropped until one fits; the sender's summary is shortened, never dropped; the headline is
shortened last, and the acknowledgement instruction is never cut. Sender text is never trusted
to be one line or free of markup: `one_line` for headers and speech, `escape` for Slack
(Slack's own messages are built in `notifications.slack_blocks`).
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import zip_longest
from zoneinfo import ZoneInfo

from notifications.content import PageContent

SMS_SEGMENT = 160
# An SMS shortens the sender's summary to no fewer characters than this before it drops the
# place; a headline of ours is never shortened below HEADLINE_MIN.
SUMMARY_MIN = 40
HEADLINE_MIN = 12
EMAIL_SUBJECT_MAX = 200
# What a call reads of a sender's value: it is read twice, and nobody listens to a page.
VOICE_VALUE_MAX = 300

# The GSM 03.38 basic character set (plus the escaped extension set, which costs 2 each).
# One character outside it turns the whole SMS into UCS-2: 70 characters a segment.
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")
_ASCII_FOR = {  # typographic punctuation people paste into summaries
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2022": "-",
}

_SPACES = re.compile(r"\s+")


def one_line(text: str, *, limit: int | None = None) -> str:
    """`text` as one line: line breaks, tabs and other control characters become spaces, runs
    of spaces one; cut to `limit` characters with "..." where it is longer. What a header (an
    email subject) or a spoken sentence needs: a sender's summary often has newlines in it."""
    printable = "".join(" " if _unprintable(c) else c for c in text)
    flat = _SPACES.sub(" ", printable).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: max(0, limit - 3)].rstrip() + "..."
    return flat


def _unprintable(char: str) -> bool:
    # Control characters, line and paragraph separators, lone surrogates (no encoding takes
    # them), and the non-characters XML refuses (a call's TwiML is XML).
    code = ord(char)
    return (
        unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
    )


def escape(text: str) -> str:
    """Sender text made inert in Slack markup, by Slack's rules: `&` `<` `>` become `&amp;`
    `&lt;` `&gt;`. Unescaped, a summary of `<!channel>` pings the whole channel and
    `<https://x|Acknowledge here>` shows a link that is not ours. Every value that did not come
    from us goes through this; our own markup (`*bold*`, `<url|open>`) is added around it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_gsm7(text: str) -> str:
    """Replace what GSM-7 can't carry, so one stray dash doesn't cost half the segment."""
    out = []
    for char in text:
        char = _ASCII_FOR.get(char, char)
        out.append(char if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in char) else "?")
    return "".join(out)


def gsm7_length(text: str) -> int:
    return sum(2 if c in _GSM7_EXTENDED else 1 for c in text)


def duration(span: timedelta, *, spoken: bool = False) -> str:
    """1 h 45 min, 2 d 3 h, 40 s; spoken: 1 hour 45 minutes. Whole minutes past the first."""
    seconds = abs(span.total_seconds())
    # Past a minute, seconds are noise a reader has to skip: "29 min 59 s" reads "30 min".
    seconds = round(seconds / 60) * 60 if seconds >= 60 else int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = [(days, "d", "day"), (hours, "h", "hour"), (minutes, "min", "minute")]
    units.append((seconds, "s", "second"))
    # The two most significant units, from the first that isn't zero ("1 d 2 h", "45 min");
    # a zero second unit is left out ("2 h", not "2 h 0 min").
    first = next((i for i, unit in enumerate(units) if unit[0]), len(units) - 1)
    shown = [units[first]] + [u for u in units[first + 1 : first + 2] if u[0]]
    return " ".join(
        f"{value} {word}{'' if value == 1 else 's'}" if spoken else f"{value} {short}"
        for value, short, word in shown
    )


def local_time(at: datetime, *, tz: ZoneInfo, now: datetime) -> str:
    """14:00 CDT today; Tue 14:00 CST on another day (in the reader's time zone)."""
    local = at.astimezone(tz)
    clock = f"{local:%H:%M} {local.tzname()}"
    if local.date() != now.astimezone(tz).date():
        return f"{local:%a} {clock}"
    return clock


def relative(at: datetime, *, now: datetime) -> str:
    if abs(at - now) < timedelta(seconds=30):
        return "now"
    return f"in {duration(at - now)}" if at > now else f"{duration(now - at)} ago"


def megawatts(mw: Decimal) -> str:
    return f"{mw.normalize():f}" if mw == mw.to_integral() else f"{mw:f}".rstrip("0")


def has_program(content: PageContent) -> bool:
    return bool(content.market.strip() or content.program.strip())


def headline(content: PageContent) -> str:
    """'MISO LMR dispatch' from market and program, else the summary; one line either way."""
    if has_program(content):
        return one_line(" ".join(filter(None, [content.market, content.program, "dispatch"])))
    return one_line(content.summary)


def ack_instruction(content: PageContent) -> str:
    if content.ack_code and content.declinable:
        return f"Reply {content.ack_code} to ack, 'decline {content.ack_code}' to opt out."
    return (
        f"Reply {content.ack_code} to ack." if content.ack_code else "Reply 'ack' to acknowledge."
    )


@dataclass(frozen=True)
class Facts:
    """The pieces every channel says, already in the reader's time zone."""

    amount: str  # "12.5 MW"
    location: str  # "LRZ 4"
    start: str  # "at 14:00 CDT (in 1 h 45 min)"
    respond_by: str  # "ack by 13:30 CDT"
    end: str  # "until 18:00 CDT"


def facts(content: PageContent, *, tz: ZoneInfo, now: datetime) -> Facts:
    start = ""
    if content.starts_at:
        word = "at" if content.starts_at > now else "since"
        when = local_time(content.starts_at, tz=tz, now=now)
        start = f"{word} {when} ({relative(content.starts_at, now=now)})"
    return Facts(
        amount=f"{megawatts(content.mw)} MW" if content.mw is not None else "",
        location=one_line(content.location),
        start=start,
        respond_by=(
            f"ack by {local_time(content.respond_by, tz=tz, now=now)}" if content.respond_by else ""
        ),
        end=f"until {local_time(content.ends_at, tz=tz, now=now)}" if content.ends_at else "",
    )


def sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _sms(
    head: str,
    f: Facts,
    *,
    said: str,
    test: bool,
    ack: str,
    location: bool,
    respond_by: bool,
    what: bool = True,
) -> str:
    where = f"in {f.location}" if location and f.location else ""
    facts_said = " ".join(filter(None, [f.amount, where, f.start])) if what else ""
    text = f"{head}: {facts_said}" if facts_said else head
    if respond_by and f.respond_by:
        text += f", {f.respond_by}"
    if said:
        text += f". {sentence(said)}"
    else:
        text += "."
    return ("TEST " if test else "") + f"{text} {ack}"


def shorten_gsm7(text: str, room: int) -> str:
    """`text` cut to `room` GSM-7 characters (extension characters cost 2), ending in "...",
    at a word break when one is near."""
    if gsm7_length(text) <= room:
        return text
    keep, used = [], 0
    for char in text:
        cost = 2 if char in _GSM7_EXTENDED else 1
        if used + cost > room - 3:
            break
        keep.append(char)
        used += cost
    cut = "".join(keep)
    word = cut.rfind(" ")
    if word > max(len(cut) - 15, len(cut) * 2 // 3):  # a word break near the end, not far back
        cut = cut[:word]
    return cut.rstrip(" .,;:") + "..."


def render_sms(content: PageContent, *, tz: ZoneInfo, now: datetime) -> str:
    """One GSM-7 segment: headline, facts, the sender's own words (the summary), the ack
    instruction. Too long, the summary is shortened first, down to SUMMARY_MIN characters;
    past that the deadline goes, then the place; the headline is shortened last. The summary
    is never dropped, the instruction never cut."""
    f = facts(content, tz=tz, now=now)
    f = Facts(*(to_gsm7(v) for v in (f.amount, f.location, f.start, f.respond_by, f.end)))
    summary = to_gsm7(one_line(content.summary))
    # With market or program the headline is ours ("MISO LMR dispatch"), and the summary is
    # what the sender said about it; without, the summary is the headline.
    head, said = (to_gsm7(headline(content)), summary) if has_program(content) else (summary, "")
    ack = to_gsm7(ack_instruction(content))

    def sms(head: str, said: str, location: bool, respond_by: bool, what: bool = True) -> str:
        return _sms(
            head,
            f,
            said=said,
            test=content.test,
            ack=ack,
            location=location,
            respond_by=respond_by,
            what=what,
        )

    for location, respond_by in [(True, True), (True, False), (False, False)]:
        text = sms(head, said, location, respond_by)
        if gsm7_length(text) <= SMS_SEGMENT:
            return text
        if said:
            # Measured as it will stand: `_sms` ends the summary with a full stop.
            said = sentence(said)
            room = SMS_SEGMENT - gsm7_length(sms(head, "x.", location, respond_by)) + 2
            if room >= min(SUMMARY_MIN, gsm7_length(said)):
                return sms(head, shorten_gsm7(said, room), location, respond_by)
    # Still too long: the summary at its minimum, then the headline shortened to fit; with
    # facts too long to leave a headline room, without them.
    said = shorten_gsm7(said, SUMMARY_MIN) if said else ""
    for what in (True, False):
        room = SMS_SEGMENT - gsm7_length(sms("", said, False, False, what))
        if room >= HEADLINE_MIN:
            return sms(shorten_gsm7(head, room), said, False, False, what)
    return sms(shorten_gsm7(head, HEADLINE_MIN), "", False, False, what=False)


def render_voice(content: PageContent, *, tz: ZoneInfo, now: datetime) -> str:
    """The script `<Say>` reads: the SMS's facts and the sender's summary, in words for the ear
    (one line, no control characters: TwiML is XML)."""
    location = one_line(content.location, limit=VOICE_VALUE_MAX)
    where = f" in {location}" if location else ""
    amount = (
        f"{megawatts(content.mw)} megawatts{where}" if content.mw is not None else where.strip()
    )
    head = one_line(headline(content), limit=VOICE_VALUE_MAX)
    said = one_line(content.summary, limit=VOICE_VALUE_MAX) if has_program(content) else ""
    parts = [
        "This is a test." if content.test else "",
        f"{head}: {amount}." if amount else sentence(head),
        sentence(said) if said else "",
    ]
    if content.starts_at:
        when = local_time(content.starts_at, tz=tz, now=now)
        if content.starts_at > now:
            parts.append(f"Starts at {when}, in {duration(content.starts_at - now, spoken=True)}.")
        else:
            parts.append(f"Started at {when}.")
    if content.respond_by:
        parts.append(f"Please acknowledge by {local_time(content.respond_by, tz=tz, now=now)}.")
    return " ".join(p for p in parts if p)


def render_email(content: PageContent, *, tz: ZoneInfo, now: datetime) -> tuple[str, str]:
    """(subject, body): the subject is one line of at most EMAIL_SUBJECT_MAX characters (a line
    break in a header raises BadHeaderError); the body keeps the summary as it was sent."""
    f = facts(content, tz=tz, now=now)
    first = " ".join(filter(None, [f.amount, f"in {f.location}" if f.location else "", f.start]))
    subject = (
        ("[TEST] " if content.test else "") + headline(content) + (f": {first}" if first else "")
    )
    lines = [("TEST - " if content.test else "") + content.summary, ""]
    for label, value in [
        ("Market", " ".join(filter(None, [content.market, content.program]))),
        ("Amount", f.amount),
        ("Location", f.location),
        ("Starts", f.start),
        ("Ends", f.end),
        ("Acknowledge", f.respond_by.removeprefix("ack ")),
        ("Severity", content.severity),
        ("Team", content.team),
    ]:
        if value:
            lines.append(f"{label + ':':<13}{one_line(value)}")
    lines.append("")
    how = f"reply {content.ack_code} to the SMS" if content.ack_code else "reply 'ack' to the SMS"
    lines.append(
        f"To acknowledge: {content.url}, or {how}." if content.url else f"To acknowledge, {how}."
    )
    # A lone surrogate (JSON can carry one) has no UTF-8: the mail would fail to encode.
    body = "\n".join(lines).encode("utf-8", "replace").decode("utf-8")
    return one_line(subject, limit=EMAIL_SUBJECT_MAX), body


# --- Bundles and status messages -------------------------------------------------------------


def bundle_summary(pages: Sequence[PageContent]) -> str:
    """'6 pages for grid-ops' / '3 pages for grid-ops, market-ops' / '2 TEST pages'."""
    teams = sorted({one_line(p.team) for p in pages if p.team.strip()})
    tests = all(p.test for p in pages)
    noun = "page" if len(pages) == 1 else "pages"
    text = f"{len(pages)} {'TEST ' if tests else ''}{noun}"
    return f"{text} for {', '.join(teams)}" if teams else text


def render_bundle(
    channel: str, pages: Sequence[PageContent], *, reason: str, answers: Sequence[str] = ()
) -> tuple[str, str]:
    """(subject, text) of the one message that stands for pages a limit held back, by SMS,
    voice or email (Slack's is `slack_blocks.bundle_blocks`). `answers`, beside `pages` (''
    for none yet), are written on their lines (email)."""
    what = bundle_summary(pages)
    if channel == "sms":
        text = to_gsm7(f"{what} held back ({reason}): reply 'ack all' to acknowledge all.")
        if gsm7_length(text) > SMS_SEGMENT:  # many teams: the count is what matters
            what = bundle_summary([replace(p, team="") for p in pages])
            text = to_gsm7(f"{what} held back ({reason}): reply 'ack all' to acknowledge all.")
        return "", text
    if channel == "voice":
        what = one_line(what, limit=VOICE_VALUE_MAX)
        return "", f"{what} held back, {reason}. Press 1 to acknowledge all of them."
    lines = [f"{what} held back ({reason}):"]
    for page, answer in zip_longest(pages, answers[: len(pages)], fillvalue=""):
        line = f"- {one_line(page.summary)}" + (f" [{page.ack_code}]" if page.ack_code else "")
        lines.append(f"{line}: {one_line(answer)}" if answer else line)
    return one_line(f"{what} held back", limit=EMAIL_SUBJECT_MAX), "\n".join(lines)


def render_status(channel: str, text: str) -> str:
    """A status message as sent: one segment by SMS; for Slack see `slack_blocks`."""
    if channel == "sms":
        return shorten_gsm7(to_gsm7(text), SMS_SEGMENT)
    if channel == "voice":
        return one_line(text, limit=VOICE_VALUE_MAX)
    return text
