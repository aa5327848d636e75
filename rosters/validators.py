"""Validators with messages an ops lead can act on."""

import re
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import phonenumbers
from django.core.exceptions import ValidationError

HANDLE_RE = re.compile(r"^[a-z0-9_-]+$")


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _zones():
        raise ValidationError(
            "%(value)s is not an IANA time zone (e.g. America/Chicago, Europe/Berlin).",
            params={"value": value},
            code="invalid_timezone",
        )


def validate_handle(value: str) -> None:
    if not HANDLE_RE.match(value):
        raise ValidationError(
            "%(value)s: use lowercase letters, digits, '-' and '_' only.",
            params={"value": value},
            code="invalid_handle",
        )


def normalize_phone(value: str) -> str:
    """'+1 (312) 555-0101' -> '+13125550101'; raises ValidationError if it can't be dialled."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "%(value)s is not a phone number in international format (+13125550101).",
            params={"value": value},
            code="invalid_phone",
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(
            "%(value)s is not a possible phone number.",
            params={"value": value},
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The years rosters reason about. A rotation or override outside them is a typo, and near the
# ends of what a datetime holds (years 1 and 9999) the arithmetic of handoffs overflows.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def within_years(value: datetime) -> bool:
    """Whether `value` (aware, or a naive wall-clock time) is in EARLIEST..LATEST."""
    if value.tzinfo is None:
        return EARLIEST.year <= value.year < LATEST.year
    return EARLIEST <= value < LATEST


DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# No shift, wait, SLA or heartbeat is longer; a longer one is a typo, and far longer ones don't
# fit a timedelta or a duration column (SQLite keeps microseconds in 64 bits).
MAX_DURATION = timedelta(weeks=52)


def parse_duration(value: str) -> timedelta:
    """'90s', '2m', '12h', '1d', '1w' -> timedelta (API.md §6). One number, one unit, at most
    52 weeks."""
    match = DURATION_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError(
            "%(value)r is not a duration: write a whole number and one unit, e.g. 90s, 2m, 1h, "
            "1d, 1w.",
            params={"value": value},
            code="invalid_duration",
        )
    # Judged by its digits first: int() refuses more than 4,300 of them.
    digits, unit = match[1].lstrip("0"), DURATION_UNITS[match[2]]
    if len(digits) > 12 or int(digits or 0) * unit > MAX_DURATION.total_seconds():
        raise ValidationError(
            "%(value)r is longer than a duration may be (at most 52w).",
            params={"value": value.strip()[:40]},
            code="duration_too_long",
        )
    return timedelta(seconds=int(digits or 0) * unit)


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling in the roster file's units: 600s -> '10m', 0 -> '0s'."""
    seconds = int(value.total_seconds())
    for unit in "wdhm":
        size = DURATION_UNITS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class TargetKind:
    ROTATION = "rotation"
    PERSON = "person"
    TEAM = "team"
    SLACK = "slack"


@dataclass(frozen=True)
class Target:
    """One thing an escalation step notifies: `rotation:NAME`, `person:HANDLE`, `team`,
    `slack:CHANNEL`."""

    kind: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind


def parse_target(value: str) -> Target:
    """Check the *spelling* of a target; whether the rotation or person exists is checked where
    the team is known."""
    text = value.strip() if isinstance(value, str) else ""
    kind, _, name = text.partition(":")
    if kind == TargetKind.TEAM and not name:
        return Target(TargetKind.TEAM)
    if kind in (TargetKind.ROTATION, TargetKind.PERSON, TargetKind.SLACK) and name.strip():
        return Target(kind, name.strip())
    raise ValidationError(
        "%(value)r is not a target: write rotation:NAME, person:HANDLE, team or slack:CHANNEL.",
        params={"value": value},
        code="invalid_target",
    )


def unreachable_warning(
    *,
    ack_sla: timedelta,
    steps: Sequence[tuple[Sequence[str], timedelta]],
    reaches: Callable[[Target], bool],
) -> str:
    """A warning when no step that starts inside `ack_sla` can reach anyone (its rotations are
    empty, its people have no way to be contacted, ...): such a policy lets every event miss
    its deadline. `reaches` says whether one target can reach someone. '' when all is well."""
    started = timedelta(0)
    early: list[str] = []
    for targets, wait in steps:
        if started >= ack_sla:
            break
        for raw in targets:
            target = parse_target(raw)
            if reaches(target):
                return ""
            early.append(str(target))
        started += wait
    if not steps:
        return "the policy has no steps, so nobody is paged."
    return (
        f"no step that starts within the ack_sla of {format_duration(ack_sla)} can reach "
        f"anyone ({', '.join(early) or 'no targets'}): events will miss their deadline."
    )
