"""The period a report covers, from the query string: `from` and `to` (dates, both included)
and `team` (a slug; none: every team). Days are the team's, or UTC's for every team."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from rosters.models import Team

DEFAULT_WEEKS = 8
FIRST_YEAR, LAST_YEAR = 1970, 2200
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,64}")


class BadPeriod(Exception):
    """400: what is wrong, by parameter, as the API says it (`{"from": ["..."]}`)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    team: Team | None
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), self.zone)

    @property
    def end(self) -> datetime:
        """The moment after the last day (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), self.zone)

    @property
    def weeks(self) -> list[date]:
        """The Mondays of the weeks it touches."""
        monday = week_of(self.first_day)
        return [monday + timedelta(weeks=n) for n in range((self.last_day - monday).days // 7 + 1)]

    def query(self) -> str:
        """As a query string, for links (the CSV of the same period)."""
        team = f"&team={self.team.slug}" if self.team else ""
        return f"from={self.first_day.isoformat()}&to={self.last_day.isoformat()}{team}"


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def period_from(params, *, max_days: int | None = None) -> Period:
    """Raises BadPeriod naming each parameter that is wrong."""
    errors: dict[str, list[str]] = {}
    team = None
    if slug := params.get("team", ""):
        # Checked before it reaches the database (NUL, say, is an error there, not a miss).
        team = Team.objects.filter(slug=slug).first() if _SLUG.fullmatch(slug) else None
        if team is None:
            errors["team"] = [f"No team with the slug {slug[:64]!r}."]
    zone = team.tz if team else ZoneInfo("UTC")
    today = timezone.now().astimezone(zone).date()
    last = _day(params, "to", errors)
    first = _day(params, "from", errors)
    if errors:
        raise BadPeriod(errors)
    last = last or today
    first = first or last - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    if first > last:
        raise BadPeriod({"to": [f"Must not be before from ({first.isoformat()})."]})
    if max_days and (last - first).days + 1 > max_days:
        raise BadPeriod(
            {"from": [f"At most {max_days} days at once here; the CSV takes any period."]}
        )
    return Period(first_day=first, last_day=last, team=team, zone=zone)


def _day(params, name: str, errors: dict[str, list[str]]) -> date | None:
    text = params.get(name, "")
    if not text:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = [f"Enter a date as YYYY-MM-DD, not {text[:40]!r}."]
        return None
    if not FIRST_YEAR <= day.year < LAST_YEAR:
        errors[name] = [f"Must be a date from {FIRST_YEAR} to {LAST_YEAR}."]
        return None
    return day
