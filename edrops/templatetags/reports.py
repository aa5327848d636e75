from django import template

from edrops.reports.access import may_see_reports as _may_see_reports

register = template.Library()

register.filter("may_see_reports", _may_see_reports)


@register.filter
def seconds(value: float | None) -> str:
    """A duration for people: '45 s', '4 min 30 s', '1 h 5 min'; '—' for none."""
    if value is None:
        return "—"
    total = round(value)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
