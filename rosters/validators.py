"""Validators with messages an ops lead can act on."""

import re
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import phonenumbers
from django.conf import settings
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
    # Services outside that an event is forwarded to (notifications' `Outbound`).
    PAGERDUTY = "pagerduty"
    WEBHOOK = "webhook"


FORWARDS = (TargetKind.PAGERDUTY, TargetKind.WEBHOOK)
TARGET_SPELLINGS = (
    "rotation:NAME, person:HANDLE, team, slack:CHANNEL, pagerduty:ROUTING_KEY or webhook:NAME"
)
# A PagerDuty Events API v2 routing key (a service's integration key): 32 letters and digits.
ROUTING_KEY_RE = re.compile(r"^[A-Za-z0-9]{32}$")
WEBHOOK_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Target:
    """One thing an escalation step notifies: `rotation:NAME`, `person:HANDLE`, `team`,
    `slack:CHANNEL`, `pagerduty:ROUTING_KEY`, `webhook:NAME`."""

    kind: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind

    @property
    def shown(self) -> str:
        """The target as messages show it: a routing key is a secret, so only its last four."""
        if self.kind == TargetKind.PAGERDUTY:
            return f"pagerduty:…{self.value[-4:]}"
        return str(self)


def shown_target(value: object) -> str:
    """A target as typed, for an error message: a PagerDuty routing key masked, valid or not."""
    text = value.strip() if isinstance(value, str) else str(value)
    kind, _, name = text.partition(":")
    if kind == TargetKind.PAGERDUTY and name:
        return f"pagerduty:…{name.strip()[-4:]}"
    return text


def unknown_webhook(target: Target) -> str:
    """Why a `webhook:NAME` target can't be sent ('' when it can): WEBHOOKS must name it."""
    hooks = settings.WEBHOOKS if isinstance(settings.WEBHOOKS, dict) else {}
    if target.kind != TargetKind.WEBHOOK or target.value in hooks:
        return ""
    return (
        f"{target}: WEBHOOKS has no webhook named {target.value} "
        f"(it has: {', '.join(sorted(hooks)) or 'none'})"
    )


def parse_target(value: str) -> Target:
    """Check the *spelling* of a target; whether the rotation or person exists is checked where
    the team is known (and a webhook's name where WEBHOOKS is)."""
    text = value.strip() if isinstance(value, str) else ""
    kind, _, name = text.partition(":")
    name = name.strip()
    if kind == TargetKind.TEAM and not name:
        return Target(TargetKind.TEAM)
    if kind in (TargetKind.ROTATION, TargetKind.PERSON, TargetKind.SLACK) and name:
        return Target(kind, name)
    if kind == TargetKind.PAGERDUTY and ROUTING_KEY_RE.match(name):
        return Target(kind, name)
    if kind == TargetKind.PAGERDUTY:
        raise ValidationError(
            "%(value)s: a PagerDuty routing key is 32 letters and digits (the Events API v2 "
            "integration key of the service).",
            params={"value": shown_target(value)},
            code="invalid_routing_key",
        )
    if kind == TargetKind.WEBHOOK and WEBHOOK_NAME_RE.match(name):
        return Target(kind, name)
    raise ValidationError(
        "%(value)s is not a target: write " + TARGET_SPELLINGS + ".",
        params={"value": repr(shown_target(value) if isinstance(value, str) else value)},
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
