"""When a maintenance window is on: its first occurrence as given, repeated by an iCalendar
RRULE (python-dateutil's `rrule`), each occurrence keeping the local wall-clock time of the
window's zone across DST (Sunday 01:00-05:00 Central stays 01:00-05:00 Central in November).

Plain functions of plain values, no database: the selectors ask `Series.covering(at)` on the
ingest path, so a rule is parsed once per process (`series`, cached) and only the occurrences
near `at` are looked at.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

# Finer repeats than daily are not maintenance windows, and each occurrence since the window
# began is walked to answer "is it on now?": at most one a day keeps that cheap for decades.
FREQUENCIES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
# The time of day is the window's own (`starts_at`); these would add occurrences within a day.
REFUSED_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART")
MAX_RULE = 500
MAX_COUNT = 10_000
# An occurrence starts at most this long before "now" and still covers it (a window's length
# is at most MAX_LENGTH); DST moves a local time by at most a day's margin.
MAX_LENGTH = timedelta(days=366)
MARGIN = timedelta(days=1)


class RuleError(ValueError):
    """An RRULE we can't repeat a window by; the message says why, for a 400."""


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime  # UTC
    ends_at: datetime


def check_rule(text: str) -> str:
    """The rule as we keep it (`FREQ=WEEKLY;BYDAY=SU`, without `RRULE:`), or RuleError."""
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    if not rule:
        raise RuleError("Give a rule such as FREQ=WEEKLY;BYDAY=SU, or leave rrule out.")
    if len(rule) > MAX_RULE:
        raise RuleError(f"At most {MAX_RULE} characters.")
    if any(c in rule for c in "\r\n:") or not rule.isascii():
        raise RuleError("One RRULE line only (no DTSTART, RDATE or EXDATE lines).")
    parts = {}
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    if (freq := parts.get("FREQ")) not in FREQUENCIES:
        raise RuleError(
            f"FREQ must be one of {', '.join(FREQUENCIES)} (a window repeats at most daily), "
            f"not {freq or 'missing'}."
        )
    count = parts.get("COUNT", "0")
    if not count.isdigit() or int(count) > MAX_COUNT:
        raise RuleError(f"COUNT must be a number of occurrences up to {MAX_COUNT}.")
    if refused := [p for p in REFUSED_PARTS if p in parts]:
        raise RuleError(
            f"{', '.join(refused)} can't be used: the time of day is the window's starts_at."
        )
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1, tzinfo=UTC))
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as error:
        raise RuleError(f"Not an RRULE: {error}.") from None
    return rule


class Series:
    """A window's occurrences: (starts_at, ends_at) as given, then one at each date of the rule,
    of the same wall-clock length, at the same local time in `zone`."""

    def __init__(self, *, starts_at: datetime, ends_at: datetime, rule: str, zone: ZoneInfo):
        self.first = Occurrence(starts_at.astimezone(UTC), ends_at.astimezone(UTC))
        self.zone = zone
        local_start = starts_at.astimezone(zone)
        self.length = ends_at.astimezone(zone).replace(tzinfo=None) - local_start.replace(
            tzinfo=None
        )
        # cache=True: the occurrences walked once are kept, so the next question is a list walk.
        self.rule: rrule | None = (
            rrulestr(rule, dtstart=local_start.replace(fold=0), cache=True) if rule else None
        )

    def _occurrence(self, local_start: datetime) -> Occurrence:
        # Wall-clock arithmetic: aware + timedelta keeps the local time; the offset follows.
        local_end = (local_start.replace(tzinfo=None) + self.length).replace(tzinfo=self.zone)
        return Occurrence(local_start.astimezone(UTC), local_end.astimezone(UTC))

    def covering(self, at: datetime) -> Occurrence | None:
        """The occurrence on at `at` (the one that ends last, should two overlap), or None."""
        found = self.first if self.first.starts_at <= at < self.first.ends_at else None
        if self.rule is None:
            return found
        local = at.astimezone(self.zone)
        for start in self.rule.between(local - self.length - MARGIN, local + MARGIN, inc=True):
            occurrence = self._occurrence(start)
            if occurrence.starts_at <= at < occurrence.ends_at and (
                found is None or occurrence.ends_at > found.ends_at
            ):
                found = occurrence
        return found

    def next_after(self, at: datetime) -> Occurrence | None:
        """The first occurrence that starts after `at`, or None when there is no other."""
        if self.first.starts_at > at:
            return self.first
        if self.rule is None:
            return None
        local = at.astimezone(self.zone)
        for start in self.rule.xafter(local - MARGIN, count=None, inc=False):
            occurrence = self._occurrence(start)
            if occurrence.starts_at > at:
                return occurrence
        return None

    def last_end(self) -> datetime | None:
        """When the last occurrence ends; None when the rule repeats forever."""
        if self.rule is None:
            return self.first.ends_at
        if self.rule._count is None and self.rule._until is None:
            return None
        last = self.rule.before(datetime(2200, 1, 1, tzinfo=self.zone), inc=True)
        if last is None:
            return self.first.ends_at
        return max(self.first.ends_at, self._occurrence(last).ends_at)


@functools.lru_cache(maxsize=512)
def series(*, starts_at: datetime, ends_at: datetime, rule: str, zone: str) -> Series:
    """One Series per window version and process: ingest asks about the same few windows
    again and again."""
    return Series(starts_at=starts_at, ends_at=ends_at, rule=rule, zone=ZoneInfo(zone))
