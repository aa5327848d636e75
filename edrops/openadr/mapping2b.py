"""An OpenADR 2.0b `oadrEvent` (as OpenLEADR parses it) as our EventInput (API.md, "OpenADR
sources"). Pure: no database, so the table is tested without a VTN."""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from edrops.models import Event, Integration, SenderStatus
from edrops.services import EventInput

STATUS = {
    "far": SenderStatus.SCHEDULED,
    "near": SenderStatus.SCHEDULED,
    "none": SenderStatus.SCHEDULED,
    "active": SenderStatus.ACTIVE,
    "cancelled": SenderStatus.CANCELLED,
    "completed": SenderStatus.COMPLETED,
}
# Signals whose value is an amount of load; SIMPLE and the rest carry a level or a price.
LOAD_SIGNALS = ("LOAD_DISPATCH", "LOAD_CONTROL")
POWER = ("powerReal", "powerApparent", "powerReactive")
SCALE = {
    "p": Decimal("1e-12"),
    "n": Decimal("1e-9"),
    "micro": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "c": Decimal("1e-2"),
    "d": Decimal("1e-1"),
    "none": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
}
PROGRAM_MAX = Event._meta.get_field("program").max_length


def first_signal(event: dict[str, Any]) -> dict[str, Any]:
    signals = event.get("event_signals") or []
    if isinstance(signals, dict):  # OpenLEADR nests them once in some messages
        signals = signals.get("event_signals") or []
    return signals[0] if signals else {}


def signal_value(signal: dict[str, Any]) -> Any:
    """The signal's current value, else its first interval's payload."""
    if signal.get("current_value") is not None:
        return signal["current_value"]
    intervals = signal.get("intervals") or []
    return intervals[0].get("signal_payload") if intervals else None


def megawatts(signal: dict[str, Any], value: Any) -> Decimal | None:
    """A LOAD_DISPATCH/LOAD_CONTROL value in a power unit, in MW; None when it is not power
    (a level, a percentage, a price) or not a number."""
    measurement = signal.get("measurement") or {}
    if signal.get("signal_name") not in LOAD_SIGNALS or measurement.get("name") not in POWER:
        return None
    try:
        watts = Decimal(str(value)) * SCALE.get(measurement.get("scale") or "none", Decimal(1))
    except (InvalidOperation, ValueError):
        return None
    return (watts / Decimal(1_000_000)).quantize(Decimal("0.001"))


def short_program(market_context: str) -> str:
    """A marketContext URI within the program column: its tail, which names the program."""
    if len(market_context) <= PROGRAM_MAX:
        return market_context
    return "…" + market_context[-(PROGRAM_MAX - 1) :]


def event_input(*, event: dict[str, Any], xml: str, vtn_name: str) -> EventInput:
    """The EventInput for one parsed oadrEvent; `xml` is the oadrEvent as the VTN sent it."""
    descriptor = event.get("event_descriptor") or {}
    period = event.get("active_period") or {}
    signal = first_signal(event)
    value = signal_value(signal)
    mw = megawatts(signal, value)
    starts_at: datetime | None = period.get("dtstart")
    duration = period.get("duration")
    ends_at = starts_at + duration if starts_at and duration else None
    market_context = descriptor.get("market_context") or ""
    name, kind = signal.get("signal_name", "?"), signal.get("signal_type", "?")
    amount = f"{mw} MW" if mw is not None else f"{value}"
    summary = f"OpenADR {name} {kind} {amount} from {vtn_name}"
    if market_context:
        summary += f" ({market_context})"
    return EventInput(
        external_id=str(descriptor["event_id"]),
        revision=int(descriptor.get("modification_number") or 0),
        status=STATUS.get(str(descriptor.get("event_status")), SenderStatus.ACTIVE),
        summary=summary[:1024],
        program=short_program(market_context) if market_context else None,
        starts_at=starts_at,
        ends_at=ends_at,
        mw=mw,
        test=_is_test(descriptor.get("test_event")),
        integration=Integration.OPENADR_2B,
        details={
            "market_context": market_context,
            "signal": {"name": name, "type": kind, "value": _plain(value)},
            "measurement": _plain(signal.get("measurement")),
            "targets": _plain(event.get("targets") or []),
            "priority": descriptor.get("priority"),
        },
        body={"xml": xml, "event_id": str(descriptor["event_id"])},
    )


def _is_test(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _plain(value: Any) -> Any:
    """JSON-storable: datetimes and durations as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
