"""Messages written for a person, not a log: what, where, how much, when in *their* time zone,
how long until it starts, and how to acknowledge.

    MISO LMR dispatch: 12.5 MW in LRZ 4 at 14:00 CDT (in 1 h 45 min). Reply 4 to ack.

An SMS stays within one GSM-7 segment (160 characters) where it can: richer versions are tried
first and details dropped until one fits; the headline is shortened last, and the
acknowledgement instruction is never cut.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import zip_longest
from zoneinfo import ZoneInfo

from notifications.content import PageContent

SMS_SEGMENT = 160

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


EMAIL_SUBJECT_MAX = 200

_SPACES = re.compile(r"\s+")


def one_line(text: str, *, limit: int | None = None) -> str:
    """`text` as one line: line breaks, tabs and other control characters become spaces, runs
    of spaces one; cut to `limit` characters with "..." where it is longer. What a header (an
    email subject) or a spoken sentence needs: a sender's summary often has newlines in it."""
    printable = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") else c for c in text
    )
    flat = _SPACES.sub(" ", printable).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: max(0, limit - 3)].rstrip() + "..."
    return flat


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


def headline(content: PageContent) -> str:
    if content.market or content.program:
        return " ".join(filter(None, [content.market, content.program, "dispatch"]))
    return content.summary


def ack_instruction(content: PageContent) -> str:
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
        location=content.location,
        start=start,
        respond_by=(
            f"ack by {local_time(content.respond_by, tz=tz, now=now)}" if content.respond_by else ""
        ),
        end=f"until {local_time(content.ends_at, tz=tz, now=now)}" if content.ends_at else "",
    )


def _sms(head: str, f: Facts, *, test: bool, ack: str, location: bool, respond_by: bool) -> str:
    where = f"in {f.location}" if location and f.location else ""
    what = " ".join(filter(None, [f.amount, where, f.start]))
    text = f"{head}: {what}" if what else head
    if respond_by and f.respond_by:
        text += f", {f.respond_by}"
    return ("TEST " if test else "") + f"{text}. {ack}"


def render_sms(content: PageContent, *, tz: ZoneInfo, now: datetime) -> str:
    f = facts(content, tz=tz, now=now)
    head = to_gsm7(headline(content))
    f = Facts(*(to_gsm7(v) for v in (f.amount, f.location, f.start, f.respond_by, f.end)))
    ack = ack_instruction(content)
    for location, respond_by in [(True, True), (True, False), (False, False)]:
        text = _sms(head, f, test=content.test, ack=ack, location=location, respond_by=respond_by)
        if gsm7_length(text) <= SMS_SEGMENT:
            return text
    # Still too long: shorten the headline, never the instruction.
    over = gsm7_length(text) - SMS_SEGMENT
    short = head[: max(12, len(head) - over - 3)].rstrip() + "..."
    return _sms(short, f, test=content.test, ack=ack, location=False, respond_by=False)


def render_voice(content: PageContent, *, tz: ZoneInfo, now: datetime) -> str:
    """The script `<Say>` reads: the SMS's facts, in words for the ear."""
    where = f" in {content.location}" if content.location else ""
    amount = (
        f"{megawatts(content.mw)} megawatts{where}" if content.mw is not None else where.strip()
    )
    parts = [
        "This is a test." if content.test else "",
        f"{headline(content)}: {amount}." if amount else f"{headline(content)}.",
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
            lines.append(f"{label + ':':<13}{value}")
    lines.append("")
    how = f"reply {content.ack_code} to the SMS" if content.ack_code else "reply 'ack' to the SMS"
    lines.append(
        f"To acknowledge: {content.url}, or {how}." if content.url else f"To acknowledge, {how}."
    )
    return one_line(subject, limit=EMAIL_SUBJECT_MAX), "\n".join(lines)


def render_slack(
    content: PageContent, *, tz: ZoneInfo, now: datetime, reference: str
) -> tuple[str, list]:
    """(fallback text, blocks) with an Acknowledge button whose value is the reference."""
    f = facts(content, tz=tz, now=now)
    title = ("TEST " if content.test else "") + content.summary
    what = " ".join(filter(None, [f.amount, f"in {f.location}" if f.location else "", f.start]))
    text = f"{title}, {f.start}" if f.start else title
    details = [
        d
        for d in [
            f"*{' '.join(filter(None, [content.market, content.program]))}*"
            if content.market or content.program
            else "",
            what,
            f.end,
            f.respond_by,
            f"<{content.url}|open>" if content.url else "",
        ]
        if d
    ]
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f":rotating_light: *{title}*"}},
    ]
    if details:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": " · ".join(details)}})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "acknowledge",
                    "text": {"type": "plain_text", "text": "Acknowledge"},
                    "style": "primary",
                    "value": reference,
                }
            ],
        }
    )
    return text, blocks


# --- Bundles and status messages -------------------------------------------------------------


def bundle_summary(pages: Sequence[PageContent]) -> str:
    """'6 pages for grid-ops' / '3 pages for grid-ops, market-ops' / '2 TEST pages'."""
    teams = sorted({p.team for p in pages if p.team})
    tests = all(p.test for p in pages)
    noun = "page" if len(pages) == 1 else "pages"
    text = f"{len(pages)} {'TEST ' if tests else ''}{noun}"
    return f"{text} for {', '.join(teams)}" if teams else text


def render_bundle(
    channel: str, pages: Sequence[PageContent], *, reason: str, answers: Sequence[str] = ()
) -> tuple[str, str]:
    """(subject, text) of the one message that stands for pages a limit held back. `answers`,
    beside `pages` ('' for none yet), are written on their lines (Slack and email only)."""
    what = bundle_summary(pages)
    if channel == "sms":
        text = to_gsm7(f"{what} held back ({reason}): reply 'ack all' to acknowledge all.")
        if gsm7_length(text) > SMS_SEGMENT:
            text = f"{what} held back: reply 'ack all' to acknowledge all."
        return "", text
    if channel == "voice":
        return "", f"{what} held back, {reason}. Press 1 to acknowledge all of them."
    lines = [f"{what} held back ({reason}):"]
    for page, answer in zip_longest(pages, answers[: len(pages)], fillvalue=""):
        line = f"- {page.summary}" + (f" [{page.ack_code}]" if page.ack_code else "")
        lines.append(f"{line}: {answer}" if answer else line)
    return one_line(f"{what} held back", limit=EMAIL_SUBJECT_MAX), "\n".join(lines)


def bundle_slack_blocks(text: str, *, bundle_id: int) -> list:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "acknowledge_all",
                    "text": {"type": "plain_text", "text": "Acknowledge all"},
                    "style": "primary",
                    "value": str(bundle_id),
                }
            ],
        },
    ]


def render_status(channel: str, text: str) -> str:
    if channel == "sms":
        text = to_gsm7(text)
        return text if len(text) <= SMS_SEGMENT else text[: SMS_SEGMENT - 3] + "..."
    return text
