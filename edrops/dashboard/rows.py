"""The board's rows, as the words and links each one shows. The board is redrawn whole, up to
220 rows, whenever anything on it changes: the times in the viewer's zone and the links of
each row are made here once, in Python, rather than by a date filter or a `{% url %}` tag per
time and link in the template, which were most of the cost of drawing it.

A row is plain data (text, flags, and dicts and lists of them; no model, no datetime) and
everything its template (`_open_row.html`, `_closed_row.html`) reads: the template draws it
from the row alone, so a row that reads the same draws the same HTML, and
edrops/dashboard/fragments.py keeps each drawn row by its value."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import dateformat

from edrops.dashboard.selectors import escalation_stage, mw, since
from edrops.models import Event, MaintenanceMode

_ANY_ID = str(uuid.UUID(int=0))
ACTIONS = ("event", "acknowledge", "resolve", "decline")
STATUS_LABELS = dict(Event.Status.choices)


def _links() -> dict[str, str]:
    """Each per-event path reversed once, with a stand-in id to put the event's in."""
    return {name: reverse(f"dashboard:{name}", args=[_ANY_ID]) for name in ACTIONS}


# The open rows' formats, numbers and the zone's abbreviation only: strftime writes them as
# the `date` filter does (`T` is the zone's tzname), in a tenth of the time.
NUMERIC = {"Y-m-d H:i:s T": "%Y-%m-%d %H:%M:%S", "H:i:s T": "%H:%M:%S"}


def _at(at: datetime | None, zone: ZoneInfo, shown: str) -> dict | None:
    """A moment in the viewer's zone: its ISO 8601 form (a <time>'s datetime) and `shown`, as
    the template's `date` filter would write them (Django's `c` is isoformat())."""
    if at is None:
        return None
    local = at.astimezone(zone)
    if shown in NUMERIC:
        text = f"{local.strftime(NUMERIC[shown])} {local.tzname()}"
    else:
        text = dateformat.format(local, shown)
    return {"iso": local.isoformat(), "shown": text}


def _common(event: Event, links: dict[str, str], zone: ZoneInfo, *, acked: str) -> dict:
    """What open and closed rows both show: the first line (_event_line1.html) and more."""
    pk = str(event.pk)
    return {
        "id": pk,
        "status": event.status,
        "status_label": STATUS_LABELS.get(event.status, event.status),
        "test": event.test,
        "maintenance": (
            {"mode": event.maintenance.mode, "name": event.maintenance.name}
            if event.maintenance_id
            else None
        ),
        "market": event.market,
        "program": event.program,
        "summary": event.summary,
        "mw": mw(event.mw),
        "location": event.location,
        "links": {name: path.replace(_ANY_ID, pk) for name, path in links.items()},
        "acknowledged": _at(event.acknowledged_at, zone, acked),
        "acknowledged_by_name": event.acknowledged_by_name,
        "acknowledged_via": event.acknowledged_via,
    }


def open_rows(
    *, events: Iterable[Event], now: datetime, zone: ZoneInfo, actionable: set
) -> list[dict]:
    """The open events' rows: their age, their countdown to respond_by, their escalation
    stage, and whether the viewer may act on them (`actionable`, their ids)."""
    links = _links()
    rows = []
    tests_begin = True  # the first test dispatch heads their group
    for event in events:
        # The countdown is a triggered event's only: an acknowledged row, which doesn't show
        # it, doesn't hold it either, and is kept (fragments.py) until its age moves on.
        triggered = event.status == Event.Status.TRIGGERED
        if not triggered:
            left, missed = "", False
        elif event.respond_by > now:
            left, missed = since(now, event.respond_by), False
        else:
            left, missed = since(event.respond_by, now), True
        stage = escalation_stage(event)
        rows.append(
            {
                **_common(event, links, zone, acked="H:i:s T"),
                "tests_begin": event.test and tests_begin,
                "external_id": event.external_id,
                "team_slug": event.team_slug,
                "from_vtn": event.from_vtn,
                "held": event.maintenance_mode == MaintenanceMode.SILENT,
                "unreachable": event.unreachable,
                "stage": {"label": stage.label, "paging": stage.paging, "over": stage.over},
                "age": since(event.created_at, now),
                "received": _at(event.created_at, zone, "Y-m-d H:i:s T"),
                "respond_by": triggered and event.respond_by.astimezone(zone).isoformat(),
                "missed": missed,
                "left": left,
                "can_act": event.pk in actionable,
            }
        )
        tests_begin = tests_begin and not event.test
    return rows


def closed_rows(*, events: Iterable[Event], zone: ZoneInfo) -> list[dict]:
    links = _links()
    return [
        {
            **_common(event, links, zone, acked="H:i T"),
            "closed_by_name": event.closed_by_name,
            "closed_via": event.closed_via,
            "closed": _at(event.closed_at, zone, "M j H:i T"),
        }
        for event in events
    ]
