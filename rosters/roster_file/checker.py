"""`Checker`: typed readers for the roster file's fields that record a `path: message` for each
problem and carry on, so one pass over the file finds all of them. The rosters checks use it,
and so does edrops for the file's `sources:`."""

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model

from rosters.columns import column_errors, text_problem
from rosters.validators import EARLIEST, LATEST, parse_duration, within_years

# The longest list the roster keeps in order: positions are small integers.
MAX_LIST = BaseDatabaseOperations.integer_field_ranges["PositiveSmallIntegerField"][1]
LOCAL_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, path: str, message: str) -> None:
        # Messages quote the file; an unpaired surrogate in it could not be printed.
        self.errors.append(f"{path}: {message}".encode("utf-8", "backslashreplace").decode())

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{path}: {message}")

    def fits(self, model: type[Model], fields: dict[str, Any], path: str) -> bool:
        """Whether every value fits its column (an email longer than 254 characters passes
        the email check); each one that doesn't is an error at its path."""
        errors = column_errors(model, fields)
        for name, messages in errors.items():
            self.error(_join(path, name), " ".join(messages))
        return not errors

    def keys(self, raw: dict, allowed: Iterable[str], path: str) -> None:
        """Unknown keys are usually typos (`shfit:`); silently ignoring them would load a
        roster that is not what its author wrote."""
        allowed = tuple(allowed)
        for key in raw:
            if key not in allowed:
                self.error(
                    _join(path, str(key)), f"unknown key (expected one of: {', '.join(allowed)})"
                )

    def list_of(
        self, raw: dict, key: str, path: str, kind: type, *, most: int | None = None
    ) -> list:
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"expected a list, not {type(value).__name__}")
            return []
        if most is not None and len(value) > most:
            self.error(path, f"at most {most} entries (this has {len(value)})")
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, kind):
                good.append(item)
            else:
                self.error(f"{path}[{i}]", f"expected a mapping, not {item!r}")
        return good

    def text(
        self,
        raw: dict,
        key: str,
        path: str,
        *,
        required: bool = False,
        validator: Callable[[str], None] | None = None,
        convert: Callable[[str], Any] | None = None,
        choices: Iterable[str] | None = None,
        pattern: re.Pattern | None = None,
        max_length: int | None = None,
    ) -> Any:
        where = _join(path, key)
        value = raw.get(key)
        if value is None or value == "":
            if required:
                self.error(where, "required")
            return None
        if not isinstance(value, str):
            self.error(where, f"expected text, not {value!r}")
            return None
        if why := text_problem(value):
            self.error(where, why)
            return None
        if max_length and len(value) > max_length:
            self.error(where, f"longer than {max_length} characters")
            return None
        if pattern and not pattern.match(value):
            self.error(where, f"{value!r}: use letters, digits, '-' and '_' only")
            return None
        if choices is not None and value not in choices:
            self.error(where, f"{value!r} is not one of {', '.join(choices)}")
            return None
        try:
            if validator:
                validator(value)
            if convert:
                return convert(value)
        except ValidationError as e:
            self.error(where, " ".join(e.messages))
            return None
        return value

    def flag(self, raw: dict, key: str, path: str) -> bool | None:
        """true or false (YAML's own booleans); None when the key is left out."""
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error(_join(path, key), f"expected true or false, not {value!r}")
            return None
        return value

    def duration(
        self, raw: dict, key: str, path: str, *, required: bool = False, default: Any = None
    ) -> timedelta | None:
        where = _join(path, key)
        if key not in raw or raw[key] is None:
            if required:
                self.error(where, "required (e.g. 12h, 1d, 1w)")
            return default
        try:
            return parse_duration(raw[key])
        except ValidationError as e:
            self.error(where, " ".join(e.messages))
            return None

    def local_datetime(self, raw: dict, key: str, path: str) -> datetime | None:
        """A wall-clock time with no offset: the zone is the rotation's."""
        where = _join(path, key)
        value = raw.get(key)
        if isinstance(value, datetime):  # YAML reads an unquoted timestamp itself
            if value.tzinfo is not None:
                value = None
        elif isinstance(value, str) and LOCAL_DATETIME_RE.match(value.strip()):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                value = None
        else:
            value = None
        if value is not None and not within_years(value):
            self.error(
                where, f"{value:%Y-%m-%d}: give a time from {EARLIEST.year} to {LATEST.year}"
            )
            return None
        if value is None:
            shown = "required" if raw.get(key) is None else f"{raw.get(key)!r} is not"
            self.error(
                where,
                f"{shown}: write a local wall-clock time without an offset, "
                'e.g. "2026-11-02T09:00" (the rotation\'s time zone applies)',
            )
        return value

    def handles(
        self, raw: dict, key: str, path: str, *, known: set[str], required: bool
    ) -> list[str]:
        where = _join(path, key)
        value = raw.get(key)
        if value is None:
            if required:
                self.error(where, "required: a list of handles")
            return []
        if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
            self.error(where, "expected a list of handles, e.g. [alice, bob]")
            return []
        if len(value) > MAX_LIST:
            self.error(where, f"at most {MAX_LIST} handles (this has {len(value)})")
            return []
        good = []
        for i, handle in enumerate(value):
            if handle in known:
                good.append(handle)
            else:
                self.error(f"{where}[{i}]", f"nobody has the handle {handle}")
        return good
