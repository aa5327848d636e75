"""What a column can hold, read from the model field itself.

It lives in `rosters` because that is the app both others import; it knows nothing of rosters.
Every write of what an outsider sent (an integration's event, a provider's callback, a roster
file) is checked with it.

Ingest writes a new event in one hand-built statement (edrops/db.py), past the model's own
checks, so a value the column can't hold fails in the database: PostgreSQL refuses an integer
past 2**31 - 1, a NUL in text, a JSON number it can't read, and the request ends in a 500
with the body lost. Values are checked here first, and a sender gets a 400 naming the field.

The limits are the fields' own (`max_length`, the integer type's range, `max_digits` and
`decimal_places`), so a field added to a model is covered without a constant of its own.
Integer ranges are the portable ones Django declares for every database (PostgreSQL's), not
the connection's: SQLite keeps 2**63 where PostgreSQL refuses 2**31, and a sender should get
the same answer from every deployment.
"""

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import (
    CharField,
    DateTimeField,
    DecimalField,
    Field,
    FloatField,
    IntegerField,
    JSONField,
    Model,
    TextField,
)

from rosters.validators import EARLIEST, LATEST, within_years

# How deep a JSON column may nest objects and arrays. The API lets in less (edrops/api/body.py,
# 32 per field); this is the backstop for anything else, with room for a wrapper around what
# a sender sent (PagerDuty's custom_details sit inside details). Python's json reads and writes
# recursively and fails near 1,000 levels, so a much deeper value can't be stored or shown.
MAX_JSON_DEPTH = 64
# Python reads and writes integers of up to 4,300 digits (sys.get_int_max_str_digits()); a
# longer one would fail when the row is written. In bits, to judge one without formatting it.
MAX_INT_BITS = int(4300 / math.log10(2))

NUL = "NUL characters (\\u0000) are not allowed in strings."
SURROGATE = "Unpaired surrogates (\\ud800-\\udfff) are not allowed in strings."


class Unstorable(ValueError):
    """Values their columns can't hold: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: Any):
        super().__init__(f"values the columns can't hold: {errors}")
        self.errors = errors


def column_errors(model: type[Model], values: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each `model` field named in `values` whose column can't hold the value: why.
    None is left to the caller (a NOT NULL column is not a sender's business)."""
    errors = {}
    for name, value in values.items():
        if value is not None and (why := value_problem(model._meta.get_field(name), value)):
            errors[name] = [why]
    return errors


def value_problem(field: Field, value: Any) -> str:
    """Why `field`'s column can't hold `value`, or ''."""
    if isinstance(field, CharField | TextField) and isinstance(value, str):
        return text_problem(value) or _too_long(field, value)
    if isinstance(field, IntegerField) and isinstance(value, int) and not field.is_relation:
        low, high = integer_range(field)
        return "" if low <= value <= high else f"Must be a whole number from {low} to {high}."
    if isinstance(field, DecimalField) and isinstance(value, Decimal):
        if not value.is_finite():
            return "Must be a finite number."
        try:
            DecimalValidator(field.max_digits, field.decimal_places)(value)
        except ValidationError as e:
            return " ".join(e.messages)
        return ""
    if isinstance(field, DateTimeField) and isinstance(value, datetime):
        # The column holds years 1 to 9999, but such a time can't be shown in every zone (a
        # page read in Kiritimati, UTC+14, overflows past 9999-12-31 10:00 UTC): it would
        # be accepted and then never sent.
        if not within_years(value):
            return f"Must be a time from {EARLIEST.year} to {LATEST.year}."
        return ""
    if isinstance(field, FloatField) and isinstance(value, float):
        return "" if math.isfinite(value) else "Must be a finite number."
    if isinstance(field, JSONField) and (problem := json_problem(value, max_depth=MAX_JSON_DEPTH)):
        path, why = problem
        return f"{path}: {why}" if path else why
    return ""


def integer_range(field: Field) -> tuple[int, int]:
    """What an integer column holds on every database Django supports."""
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]


def _too_long(field: Field, value: str) -> str:
    if field.max_length is None or len(value) <= field.max_length:
        return ""
    return f"At most {field.max_length} characters (this has {len(value)})."


def fit_text(field: Field, value: str) -> str:
    """`value` as `field`'s column can hold it: NUL dropped, unpaired surrogates replaced,
    cut to `max_length`. For what we record rather than refuse (a provider's callback)."""
    if text_problem(value):
        value = value.replace("\x00", "").encode("utf-8", "replace").decode()
    return value[: field.max_length] if field.max_length else value


def fit_json(value: Any) -> Any:
    """`value` if a JSON column can hold it, else a note of why it wasn't kept."""
    if problem := json_problem(value, max_depth=MAX_JSON_DEPTH):
        path, why = problem
        return {"not kept": f"{path}: {why}" if path else why}
    return value


def text_problem(value: str) -> str:
    """Why PostgreSQL can't store the string (it can't hold NUL or unpaired surrogates, in text
    or in JSON), or ''."""
    if "\x00" in value:
        return NUL
    try:
        value.encode()
    except UnicodeEncodeError:
        return SURROGATE
    return ""


def json_problem(value: Any, *, max_depth: int, path: str = "") -> tuple[str, str] | None:
    """The first place in a JSON value that can't be stored, as (path, why), or None.
    Iterative: the value to judge may be nested deeper than Python's recursion allows."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= max_depth:
                return where, f"nested more than {max_depth} deep"
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in items:
                if isinstance(key, str):
                    if why := text_problem(key):
                        return where, f"a key: {why}"
                    child_path = f"{where}.{key}" if where else key
                else:
                    child_path = f"{where}[{key}]"
                stack.append((child, child_path, depth + 1))
        elif isinstance(node, str):
            if why := text_problem(node):
                return where, why
        elif isinstance(node, float):
            if not math.isfinite(node):  # JSON has no Infinity or NaN; PostgreSQL refuses them
                return where, "numbers must be finite (at most about 1.8e308)"
        elif isinstance(node, int) and not isinstance(node, bool):
            if node.bit_length() > MAX_INT_BITS:
                return where, "integers may have at most 4300 digits"
        elif node is not None and not isinstance(node, bool):
            return where, f"{type(node).__name__} is not a JSON value"
    return None
