"""Validators with messages an ops lead can act on."""

import re
import zoneinfo
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
