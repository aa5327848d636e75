"""An OpenADR 3 event (JSON, as the VTN's `GET /events` returns it) as our EventInput (API.md,
"OpenADR sources"). Pure: no database. OpenADR 3 has no event status and no modification
number: a revision is a body that changed (ingest's digest), the status follows the interval
period (scheduled before its start, active after), and an event the VTN deleted is cancelled."""

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from edrops.models import Integration, SenderStatus
from edrops.openadr.mapping2b import short_program
from edrops.services import EventInput

# The OpenAPI document's `duration` pattern (ISO 8601); years and months as 365 and 30 days.
DURATION = re.compile(
    r"^(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
FOREVER = timedelta(days=365 * 100)  # "P9999Y" means no end
# Payloads that are an amount of power, and their units in MW.
POWER_PAYLOADS = ("IMPORT_CAPACITY_LIMIT", "EXPORT_CAPACITY_LIMIT")
UNITS_MW = {"W": Decimal("1e-6"), "KW": Decimal("1e-3"), "MW": Decimal(1), "GW": Decimal(1000)}
# The schema's "0001-01-01" start: now.
NOW_PREFIX = "0001-01-01"


def parse_duration(text: str | None) -> timedelta | None:
    match = DURATION.match(text or "")
    if not match:
        return None
    sign, years, months, days, unit, hours, minutes, seconds = match.groups()
    days_total = int(years or 0) * 365 + int(months or 0) * 30
    days_total += int(days or 0) * (7 if unit == "W" else 1)
    value = timedelta(
        days=days_total, hours=int(hours or 0), minutes=int(minutes or 0),
        seconds=float(seconds or 0),
    )  # fmt: skip
    return -value if sign else value


def parse_start(text: str | None, *, now: datetime) -> datetime | None:
    if not text:
        return None
    if text.startswith(NOW_PREFIX):
        return now
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def first_payload(event: dict[str, Any]) -> tuple[str, Any]:
    """(type, first value) of the first interval's first payload; ("", None) without one."""
    for interval in event.get("intervals") or []:
        for payload in interval.get("payloads") or []:
            values = payload.get("values") or [None]
            return str(payload.get("type", "")), values[0]
    return "", None


def megawatts(event: dict[str, Any], kind: str, value: Any) -> Decimal | None:
    if kind not in POWER_PAYLOADS:
        return None
    descriptors = event.get("payloadDescriptors") or []
    units = next(
        (str(d.get("units") or "").upper() for d in descriptors if d.get("payloadType") == kind),
        "",
    )
    if units not in UNITS_MW:
        return None
    try:
        return (Decimal(str(value)) * UNITS_MW[units]).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        return None


def event_input(
    *, event: dict[str, Any], program_name: str, vtn_name: str, now: datetime
) -> EventInput:
    """The EventInput for one OpenADR 3 event the VTN has now."""
    period = event.get("intervalPeriod") or {}
    intervals = event.get("intervals") or []
    if not period and intervals:
        period = intervals[0].get("intervalPeriod") or {}
    starts_at = parse_start(period.get("start"), now=now)
    duration = parse_duration(period.get("duration"))
    ends_at = starts_at + duration if starts_at and duration and duration < FOREVER else None
    kind, value = first_payload(event)
    mw = megawatts(event, kind, value)
    status = SenderStatus.SCHEDULED if starts_at and starts_at > now else SenderStatus.ACTIVE
    name = event.get("eventName") or event["id"]
    amount = f"{mw} MW" if mw is not None else f"{value}"
    summary = f"OpenADR {name}: {kind or 'event'} {amount} from {vtn_name}"
    if program_name:
        summary += f" ({program_name})"
    return EventInput(
        external_id=str(event["id"]),
        status=status,
        summary=summary[:1024],
        program=short_program(program_name) if program_name else None,
        starts_at=starts_at,
        ends_at=ends_at,
        mw=mw,
        integration=Integration.OPENADR_3,
        details={
            "program_id": event.get("programID", ""),
            "program_name": program_name,
            "payload": {"type": kind, "value": value},
            "level": value if kind == "SIMPLE" else None,
            "targets": event.get("targets") or [],
            "priority": event.get("priority"),
        },
        body=event,
    )


def deleted_input(*, external_id: str, summary: str) -> EventInput:
    """An event the VTN no longer lists (deleted): cancelled, its summary as it was."""
    return EventInput(
        external_id=external_id,
        status=SenderStatus.CANCELLED,
        summary=summary,
        integration=Integration.OPENADR_3,
        body={"deleted": external_id},
    )
