"""Slack messages (pages, channel posts, bundles, notices, rewrites), within Slack's limits and
with sender text escaped.

Slack answers `invalid_blocks` to a section whose text is over 3,000 characters or a message of
more than 50 blocks, and a refused page is a page nobody got: so every value that may be long
has a budget here, a bundle lists the events that fit and says how many more it holds, and
every section text is clipped to SECTION_MAX as a last guard (never inside an `&amp;` or one of
our `<url|links>`). Values that did not come from us go through `rendering.escape`.
"""

from collections.abc import Sequence
from datetime import datetime
from itertools import zip_longest
from zoneinfo import ZoneInfo

from notifications.content import PageContent
from notifications.rendering import bundle_summary, escape, facts, one_line

SECTION_MAX = 3000  # Slack: a section's text
BLOCKS_MAX = 50  # Slack: blocks in one message (we use at most three)
TEXT_MAX = 3000  # a message's `text` (what notifications show); Slack truncates past 4,000
TITLE_MAX = 2000  # a page's summary, once escaped
VALUE_MAX = 300  # market and program, a location
LINE_MAX = 200  # one event's summary on a bundle's line
MORE = "… and {} more"


def clip(mrkdwn: str, limit: int = SECTION_MAX) -> str:
    """`mrkdwn` cut to `limit` characters, ending in "…", never inside an entity (`&amp;`) or
    a `<link>` (which would show as broken markup)."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    link = cut.rfind("<")
    if link != -1 and ">" not in cut[link:]:
        cut = cut[:link]
    return cut + "…"


def sender(text: str, limit: int) -> str:
    """A value from a sender (or a roster), as Slack text: one line, escaped, within `limit`."""
    return clip(escape(one_line(text)), limit)


def section(mrkdwn: str) -> dict:
    # Slack refuses an empty section as it does a long one.
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn) or "…"}}


def _button(action_id: str, label: str, value: str) -> dict:
    return _buttons([(action_id, label)], value)


def _buttons(buttons: Sequence[tuple[str, str]], value: str) -> dict:
    """One row of buttons, each `(action_id, label)`, all with `value`; the first primary."""
    elements = [
        {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": label},
            "value": value,
        }
        for action_id, label in buttons
    ]
    elements[0]["style"] = "primary"
    return {"type": "actions", "elements": elements}


def render_page(
    content: PageContent, *, tz: ZoneInfo, now: datetime, reference: str
) -> tuple[str, list]:
    """(fallback text, blocks) with an Acknowledge button whose value is the reference."""
    f = facts(content, tz=tz, now=now)
    title = sender(("TEST " if content.test else "") + content.summary, TITLE_MAX)
    where = f"in {sender(f.location, VALUE_MAX)}" if f.location else ""
    what = " ".join(filter(None, [f.amount, where, f.start]))
    market = sender(" ".join(filter(None, [content.market, content.program])), VALUE_MAX)
    details = [
        d
        for d in [
            f"*{market}*" if market else "",
            what,
            f.end,
            f.respond_by,
            f"<{escape(content.url)}|open>" if content.url else "",
        ]
        if d
    ]
    blocks = [section(f":rotating_light: *{title}*")]
    if details:
        blocks.append(section(" · ".join(details)))
    buttons = [("acknowledge", "Acknowledge")]
    if content.declinable:
        buttons.append(("decline", "Decline"))
    blocks.append(_buttons(buttons, reference))
    return clip(f"{title}, {f.start}" if f.start else title, TEXT_MAX), blocks


def bundle_text(pages: Sequence[PageContent], *, reason: str, answers: Sequence[str] = ()) -> str:
    """The one message for pages a limit held back: a line per event while they fit in a
    section ("- MISO LMR ... [4]: acknowledged by bob via sms at 14:02"), then "… and 180
    more". `answers`, beside `pages` ('' for none yet), go on their lines."""
    lines = [f"{sender(bundle_summary(pages), VALUE_MAX)} held back ({escape(reason)}):"]
    room = SECTION_MAX - len(lines[0]) - len(MORE.format(len(pages))) - 2
    shown = 0
    for page, answer in zip_longest(pages, answers[: len(pages)], fillvalue=""):
        line = f"- {sender(page.summary, LINE_MAX)}"
        line += f" [{escape(page.ack_code)}]" if page.ack_code else ""
        line += f": {sender(answer, LINE_MAX)}" if answer else ""
        if len(line) + 1 > room:
            break
        lines.append(line)
        room -= len(line) + 1
        shown += 1
    if shown < len(pages):
        lines.append(MORE.format(len(pages) - shown))
    return clip("\n".join(lines))


def bundle_blocks(text: str, *, bundle_id: int) -> list:
    return [section(text), _button("acknowledge_all", "Acknowledge all", str(bundle_id))]


def status_text(text: str, *, title: str = "") -> str:
    """A notice or a rewrite after an answer, from plain text: '*<title>*' (a summary) over the
    status ("acknowledged by bob via sms at 14:02"), both escaped."""
    body = clip(escape(text), SECTION_MAX - 8)
    if not title:
        return body
    return clip(f"*{sender(title, TITLE_MAX)}*\n{body}")
