"""Charts drawn here, as SVG in the page: no script, no CDN, nothing to load; they print and
they work on a machine without internet. Bars only (grouped or stacked, upright or lying),
each with a <title> that a pointer or a screen reader gets, and a legend in words."""

import math
from dataclasses import dataclass

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from edrops.reports.selectors import Report

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 44
MAX_LABELS = 14  # x labels shown at most; the others are left out evenly


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    colour: int  # the CSS class `c0`..`c5` (dashboard.css): each also differs in lightness


def _nice_max(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least `value` (an axis that ends on a round
    number)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _legend(series: list[Series]) -> SafeString:
    return format_html(
        '<ul class="legend">{}</ul>',
        format_html_join(
            "", '<li><span class="swatch c{}"></span>{}</li>', ((s.colour, s.name) for s in series)
        ),
    )


def _figure(chart_id: str, title: str, note: str, svg: str, series: list[Series]) -> SafeString:
    return format_html(
        '<figure class="chart" id="{}"><figcaption>{}</figcaption>{}{}{}</figure>',
        chart_id,
        title,
        mark_safe(svg),  # noqa: S308 -- built below from escaped parts only
        _legend(series),
        format_html('<p class="note">{}</p>', note) if note else "",
    )


def columns(
    *,
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[Series],
    unit: str,
    stacked: bool = False,
    note: str = "",
) -> SafeString:
    """Upright bars, one group (or stack) per label."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = (
        [
            sum(s.values[i] or 0 for s in series)
            if stacked
            else max((s.values[i] or 0) for s in series)
            for i in range(len(labels))
        ]
        if series
        else []
    )
    top = _nice_max(max(totals, default=0))
    parts = [_y_axis(top, unit, plot_h)]
    slot = plot_w / max(1, len(labels))
    bar_w = slot * 0.7 / (1 if stacked else max(1, len(series)))
    every = max(1, math.ceil(len(labels) / MAX_LABELS))
    for i, label in enumerate(labels):
        x0 = LEFT + i * slot + slot * 0.15
        base = 0.0
        for n, s in enumerate(series):
            v = s.values[i]
            if not v:
                continue
            h = v / top * plot_h
            x = x0 if stacked else x0 + n * bar_w
            y = TOP + plot_h - (base + h if stacked else h)
            parts.append(
                f'<rect class="c{s.colour}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}"><title>{escape(label)}: {escape(s.name)} '
                f"{_number(v)} {escape(unit)}</title></rect>"
            )
            if stacked:
                base += h
        if i % every == 0:
            parts.append(
                f'<text class="x" x="{LEFT + (i + 0.5) * slot:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if not any(totals):
        parts.append(_nothing())
    return _figure(chart_id, title, note, _svg(title, parts), series)


def rows(
    *, chart_id: str, title: str, labels: list[str], series: list[Series], unit: str, note: str = ""
) -> SafeString:
    """Lying bars, stacked, one row per label (people)."""
    name_w = 120
    row_h = 24
    height = TOP + max(1, len(labels)) * row_h + 24
    plot_w = WIDTH - name_w - RIGHT
    top = _nice_max(
        max((sum(s.values[i] or 0 for s in series) for i in range(len(labels))), default=0)
    )
    parts = []
    for i, label in enumerate(labels):
        y = TOP + i * row_h
        parts.append(
            f'<text class="y" x="{name_w - 6}" y="{y + row_h * 0.65:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        x = float(name_w)
        for s in series:
            v = s.values[i] or 0
            if not v:
                continue
            w = v / top * plot_w
            parts.append(
                f'<rect class="c{s.colour}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" '
                f'height="{row_h - 6}"><title>{escape(label)}: {escape(s.name)} '
                f"{_number(v)} {escape(unit)}</title></rect>"
            )
            x += w
        total = sum(s.values[i] or 0 for s in series)
        parts.append(
            f'<text class="v" x="{x + 4:.1f}" y="{y + row_h * 0.65:.1f}">{_number(total)}</text>'
        )
    if not labels:
        parts.append(_nothing())
    return _figure(chart_id, title, note, _svg(title, parts, height=height), series)


def _y_axis(top: float, unit: str, plot_h: float) -> str:
    lines = []
    for k in range(5):
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        lines.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="y" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_number(value)}</text>"
        )
    lines.append(
        f'<text class="unit" x="{LEFT - 6}" y="{TOP + plot_h + 34}" text-anchor="end">'
        f"{escape(unit)}</text>"
    )
    return "".join(lines)


def _nothing() -> str:
    return (
        f'<text class="nothing" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
        "Nothing in this period</text>"
    )


def _svg(title: str, parts: list[str], *, height: int = HEIGHT) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMinYMin meet">{"".join(parts)}</svg>'
    )


def for_report(report: Report) -> list[SafeString]:
    """The report page's four charts."""
    weeks = report.weeks
    labels = [f"{w.week:%b} {w.week.day}" for w in weeks]

    def minutes(value: float | None) -> float | None:
        return None if value is None else value / 60

    markets = sorted(
        {m for w in weeks for m in w.by_market}, key=lambda m: -sum(w.by_market[m] for w in weeks)
    )
    top, rest = markets[:5], markets[5:]
    by_market = [Series(m, [w.by_market[m] for w in weeks], colour=n) for n, m in enumerate(top)]
    if rest:
        by_market.append(
            Series("other", [sum(w.by_market[m] for m in rest) for w in weeks], colour=5)
        )
    people = report.load[:20]
    return [
        columns(
            chart_id="chart-ack",
            title="Time to acknowledge, by week",
            labels=labels,
            series=[
                Series("median", [minutes(w.median_ack) for w in weeks], colour=0),
                Series("p90", [minutes(w.p90_ack) for w in weeks], colour=1),
            ],
            unit="min",
        ),
        columns(
            chart_id="chart-respond-by",
            title="Respond-by met and missed, by week",
            labels=labels,
            series=[
                Series("met", [w.met for w in weeks], colour=2),
                Series("missed", [w.missed for w in weeks], colour=3),
            ],
            unit="events",
            stacked=True,
        ),
        columns(
            chart_id="chart-markets",
            title="Events by market and program, by week",
            labels=labels,
            series=by_market,
            unit="events",
            stacked=True,
        ),
        rows(
            chart_id="chart-load",
            title="Pages per person (on-call load)",
            labels=[load.handle for load in people],
            series=[
                Series("day", [p.pages - p.at_night for p in people], colour=0),
                Series("night (22:00-07:00 theirs)", [p.at_night for p in people], colour=4),
            ],
            unit="pages",
        ),
    ]
