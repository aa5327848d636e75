"""The schedule page's timeline, drawn on the server as SVG (no chart library, no CDN): one lane
per rotation, then the team's "who is paged" lane, with overrides hatched, handoffs labelled in
the reader's local time, gaps in red and now marked.

Pure drawing: it takes what the selectors found and returns markup. Wide on purpose (a day is
DAY_WIDTH pixels whatever the screen): a phone scrolls it sideways, and the list of shifts
below it carries the same facts in words.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rosters.coverage import Stretch
from rosters.selectors import Shift

LABEL_WIDTH = 128
AXIS_HEIGHT = 40
TEAM_HEIGHT = 26
LANE_HEIGHT = 34
LANE_GAP = 16  # room above a lane for its handoff times
MIN_LABEL_GAP = 40  # px between two handoff labels in one lane, or the later one is left out
PALETTE = ["#4c78a8", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2", "#edc948", "#ff9da7", "#bab0ac"]
GAP_RED = "#d62728"


@dataclass(frozen=True)
class TeamLanes:
    slug: str
    name: str
    rotations: list[tuple[str, list[Shift]]]  # (rotation name, its shifts in the window)
    paged: list[Stretch]


def day_width(days: int) -> int:
    return 150 if days <= 14 else 100


def colour(handle: str) -> str:
    """The same colour for a person on every lane and every page."""
    return PALETTE[int(hashlib.blake2s(handle.encode()).hexdigest(), 16) % len(PALETTE)]


class _Canvas:
    def __init__(self, *, start: datetime, end: datetime, tz: ZoneInfo):
        self.start, self.end, self.tz = start, end, tz
        self.scale = day_width((end - start).days) / 86400
        self.width = LABEL_WIDTH + int((end - start).total_seconds() * self.scale) + 24
        self.parts: list[str] = []

    def x(self, at: datetime) -> float:
        at = min(max(at, self.start), self.end)
        return round(LABEL_WIDTH + (at - self.start).total_seconds() * self.scale, 1)

    def local(self, at: datetime, fmt: str = "%a %d %b %H:%M %Z") -> str:
        return at.astimezone(self.tz).strftime(fmt)

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(self, x: float, y: float, words: str, cls: str, **attrs: str) -> None:
        extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
        self.add(f'<text x="{x}" y="{y}" class="{cls}"{extra}>{escape(words)}</text>')

    def block(
        self, *, begin: datetime, finish: datetime, y: float, cls: str, fill: str, label: str,
        title: str, href: str = "", data: str = "", short: str = "",
    ) -> None:  # fmt: skip
        x0, x1 = self.x(begin), self.x(finish)
        shape = (
            f'<rect x="{x0}" y="{y}" width="{max(x1 - x0, 1)}" height="{LANE_HEIGHT}" '
            f'rx="3" fill="{fill}" class="{cls}"{data}><title>{escape(title)}</title></rect>'
        )
        label = next((words for words in (label, short) if x1 - x0 > 8 * len(words) + 8), "")
        if label:
            shape += (
                f'<text x="{x0 + 6}" y="{y + LANE_HEIGHT / 2 + 5}" class="who {cls}">'
                f"{escape(label)}</text>"
            )
        if href:
            shape = f'<a href="{escape(href)}">{shape}</a>'
        self.add(shape)


def _axis(c: _Canvas, height: int) -> None:
    """A line and a label at every local midnight; weekends shaded."""
    day = c.start.astimezone(c.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < c.end:
        following = (day.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=c.tz)
        if day.weekday() >= 5:
            x0, x1 = c.x(day), c.x(following)
            c.add(f'<rect x="{x0}" y="{AXIS_HEIGHT - 8}" width="{x1 - x0}" '
                  f'height="{height - AXIS_HEIGHT + 8}" class="weekend"/>')  # fmt: skip
        if day >= c.start:
            x = c.x(day)
            c.add(f'<line x1="{x}" y1="{AXIS_HEIGHT - 8}" x2="{x}" y2="{height}" class="day"/>')
            c.text(x + 4, 18, c.local(day, "%a %d %b"), "axis")
        day = following


def _handoffs(c: _Canvas, shifts: list[tuple[datetime, str]], y: float) -> None:
    """'09:00' above each handoff in the lane, in the reader's zone, where there is room."""
    last = None
    for at, _ in shifts:
        if at <= c.start:
            continue
        x = c.x(at)
        if last is None or x - last >= MIN_LABEL_GAP:
            c.add(f'<line x1="{x}" y1="{y - 4}" x2="{x}" y2="{y + LANE_HEIGHT}" class="handoff"/>')
            c.text(x + 2, y - 4, c.local(at, "%H:%M"), "handoff", data_at=at.isoformat())
            last = x


def draw(
    *, teams: list[TeamLanes], start: datetime, end: datetime, tz: ZoneInfo, now: datetime
) -> SafeString:
    c = _Canvas(start=start, end=end, tz=tz)
    y = AXIS_HEIGHT
    for team in teams:
        c.text(6, y + 18, team.name, "team")
        y += TEAM_HEIGHT
        for name, shifts in team.rotations:
            y += LANE_GAP
            c.add(f'<g class="lane" data-lane="{escape(name)}" data-team="{escape(team.slug)}">')
            c.text(6, y + LANE_HEIGHT / 2 + 5, name, "lane-name")
            for shift in shifts:
                who = shift.person.handle if shift.person else "nobody"
                when = f"{c.local(shift.starts_at)} to {c.local(shift.ends_at)}"
                override = shift.override is not None
                c.block(
                    begin=shift.starts_at,
                    finish=shift.ends_at,
                    y=y,
                    cls=("shift override" if override else "shift")
                    + ("" if shift.person else " nobody"),
                    fill="url(#hatch)" if override else colour(who) if shift.person else "#e8e8e8",
                    label=f"{who} (override)" if override else who,
                    short=who,
                    title=f"{name}: {who}{' (override)' if override else ''} · {when}",
                    href=f"#shift-{team.slug}-{name}-{shift.starts_at.timestamp():.0f}",
                    data=f' data-person="{escape(who)}"',
                )
                if override:  # the hatch over the person's own colour
                    x0, x1 = c.x(shift.starts_at), c.x(shift.ends_at)
                    under = (
                        f'<rect x="{x0}" y="{y}" width="{max(x1 - x0, 1)}" '
                        f'height="{LANE_HEIGHT}" rx="3" fill="{colour(who)}"/>'
                    )
                    c.parts.insert(-1, under)
            _handoffs(c, [(s.starts_at, "") for s in shifts], y)
            c.add("</g>")
            y += LANE_HEIGHT
        y += LANE_GAP
        c.add(f'<g class="lane paged" data-lane="who is paged" data-team="{escape(team.slug)}">')
        c.text(6, y + LANE_HEIGHT / 2 + 5, "who is paged", "lane-name paged")
        for stretch in team.paged:
            when = f"{c.local(stretch.starts_at)} to {c.local(stretch.ends_at)}"
            if stretch.why:
                c.block(begin=stretch.starts_at, finish=stretch.ends_at, y=y, cls="gap",
                        fill=GAP_RED, label="GAP: nobody reached", short="GAP",
                        title=f"Gap ({stretch.why}): {when} · {stretch.detail}",
                        data=f' data-why="{escape(stretch.why)}"')  # fmt: skip
            else:
                who = ", ".join(stretch.paged)
                c.block(begin=stretch.starts_at, finish=stretch.ends_at, y=y, cls="paged",
                        fill="#cfe8cf", label=who, title=f"pages {who} · {when}")  # fmt: skip
        _handoffs(c, [(s.starts_at, "") for s in team.paged], y)
        c.add("</g>")
        y += LANE_HEIGHT + 12
    height = y + 8
    lanes, c.parts = c.parts, []  # the axis goes under the lanes: drawn first
    _axis(c, height)
    c.parts += lanes
    if start <= now <= end:
        x = c.x(now)
        c.add(f'<line x1="{x}" y1="{AXIS_HEIGHT - 14}" x2="{x}" y2="{height}" class="now"/>')
        c.text(x + 3, AXIS_HEIGHT - 4, f"now {c.local(now, '%H:%M')}", "now")
    defs = (
        '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="transparent"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#222" stroke-width="3" opacity=".35"/>'
        "</pattern></defs>"
    )
    return mark_safe(  # noqa: S308 -- every text in it went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{c.width}" '
        f'height="{height}" viewBox="0 0 {c.width} {height}" role="img" '
        f'aria-label="Schedule from {escape(c.local(start))} to {escape(c.local(end))}">'
        f"{defs}{''.join(c.parts)}</svg>"
    )
