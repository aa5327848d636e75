"""What a report says, read for a Period: every event in it (the table, the CSV), its weeks per
team (time to acknowledge, respond-by met or missed, events by market and program) and who
carried the load (pages per person, and how many at night in their own time zone).

An event belongs to the week and day it arrived, in the period's zone. The weekly figures
leave out test dispatches (they are drills, not the ISO's); the table and the CSV keep them."""

import math
import statistics
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from edrops.models import Event
from edrops.reports.period import Period, week_of
from notifications.models import Notification
from rosters.models import Person

NIGHT_STARTS, NIGHT_ENDS = time(22), time(7)  # in the person's own zone
TABLE_ROWS = 500  # the page lists this many; the CSV has them all


@dataclass(frozen=True)
class EventRow:
    id: uuid.UUID
    team: str
    source: str
    market: str
    program: str
    summary: str
    received: datetime
    first_page: datetime | None
    acknowledged_at: datetime | None
    by: str
    via: str
    resolved: datetime | None  # closed: resolved, or cancelled by its source
    respond_by_met: bool | None  # None: not due yet, or the source closed it first
    test: bool


_COLUMNS = (
    "id",
    "team__slug",
    "source__name",
    "market",
    "program",
    "summary",
    "created_at",
    "first_paged_at",
    "acknowledged_at",
    "acknowledged_by_name",
    "acknowledged_via",
    "closed_at",
    "closed_by_name",
    "respond_by",
    "test",
)


def events_in(period: Period):
    events = Event.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    return events.filter(team=period.team) if period.team else events


def event_rows(*, period: Period, now: datetime) -> Iterator[EventRow]:
    """Oldest first; streamed, so a year of events is never all in memory."""
    rows = events_in(period).order_by("created_at", "id").values_list(*_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        (pk, team, source, market, program, summary, received, first_page, acked, by, via,
         closed, closed_by, respond_by, test) = row  # fmt: skip
        yield EventRow(
            id=pk,
            team=team,
            source=source,
            market=market,
            program=program,
            summary=summary,
            received=received,
            first_page=first_page,
            acknowledged_at=acked,
            by=by,
            via=via,
            resolved=closed,
            respond_by_met=respond_by_met(
                acknowledged_at=acked,
                closed_at=closed,
                closed_by=closed_by,
                respond_by=respond_by,
                now=now,
            ),
            test=test,
        )


def respond_by_met(
    *,
    acknowledged_at: datetime | None,
    closed_at: datetime | None,
    closed_by: str,
    respond_by: datetime,
    now: datetime,
) -> bool | None:
    """Met when a person answered (acknowledged, or resolved it) by `respond_by`. Missed when
    they answered later, or nobody had when it passed. None while it is not yet due, and when
    its source closed it before then without anyone answering (nothing was asked of anyone)."""
    by_person = closed_at if closed_at and not closed_by.startswith("source:") else None
    answered = acknowledged_at or by_person
    if answered is not None:
        return answered <= respond_by
    if closed_at is not None and closed_at <= respond_by:
        return None
    return False if now > respond_by else None


@dataclass
class TeamWeek:
    """One team's (None: every team's) week."""

    team: str | None
    week: date
    events: int = 0
    ack_seconds: list[float] = field(default_factory=list)
    met: int = 0
    missed: int = 0
    by_market: Counter = field(default_factory=Counter)

    @property
    def markets(self) -> list[tuple[str, int]]:
        """Most events first (a template can't call a Counter's most_common)."""
        return self.by_market.most_common()

    @property
    def median_ack(self) -> float | None:
        return statistics.median(self.ack_seconds) if self.ack_seconds else None

    @property
    def p90_ack(self) -> float | None:
        """Nearest rank: the time within which 90 % of this week's acknowledgements came."""
        if not self.ack_seconds:
            return None
        ranked = sorted(self.ack_seconds)
        return ranked[math.ceil(0.9 * len(ranked)) - 1]


def market_of(market: str, program: str) -> str:
    return " ".join(filter(None, [market, program])) or "(none)"


def weeks(*, period: Period, rows: list[EventRow]) -> tuple[list[TeamWeek], list[TeamWeek]]:
    """Per team and week (teams by slug, weeks in order), and per week for the whole period's
    scope; every week of the period is there, empty or not."""
    overall = {week: TeamWeek(team=None, week=week) for week in period.weeks}
    per_team: dict[tuple[str, date], TeamWeek] = {}
    for row in rows:
        if row.test:
            continue
        week = week_of(row.received.astimezone(period.zone).date())
        key = (row.team, week)
        if key not in per_team:
            per_team[key] = TeamWeek(team=row.team, week=week)
        for stats in (overall[week], per_team[key]):
            stats.events += 1
            stats.by_market[market_of(row.market, row.program)] += 1
            if row.acknowledged_at:
                stats.ack_seconds.append((row.acknowledged_at - row.received).total_seconds())
            if row.respond_by_met is True:
                stats.met += 1
            elif row.respond_by_met is False:
                stats.missed += 1
    return [per_team[k] for k in sorted(per_team)], list(overall.values())


@dataclass(frozen=True)
class Load:
    handle: str
    name: str
    pages: int
    at_night: int  # 22:00-07:00 where they were


def on_call_load(*, period: Period, rows: list[EventRow]) -> list[Load]:
    """Pages (and bundles of held pages) that reached a provider for a person during the
    period, about the period's events, most paged first."""
    ours = {str(row.id) for row in rows if not row.test}
    sent = Notification.objects.filter(
        kind__in=(Notification.Kind.PAGE, Notification.Kind.BUNDLE),
        person__isnull=False,
        sent_at__gte=period.start,
        sent_at__lt=period.end,
    )
    people = {p.pk: p for p in Person.objects.filter(pk__in=sent.values("person_id"))}
    pages: Counter = Counter()
    nights: Counter = Counter()
    rows_sent = sent.values_list("person_id", "sent_at", "reference", "content")
    for person_id, sent_at, reference, content in rows_sent.iterator(chunk_size=2000):
        about = [reference] if reference else list((content or {}).get("references", []))
        if not any(ref in ours for ref in about):
            continue
        pages[person_id] += 1
        local = sent_at.astimezone(people[person_id].tz).time()
        if local >= NIGHT_STARTS or local < NIGHT_ENDS:
            nights[person_id] += 1
    loads = [
        Load(handle=people[pk].handle, name=people[pk].name, pages=n, at_night=nights[pk])
        for pk, n in pages.items()
    ]
    return sorted(loads, key=lambda load: (-load.pages, load.handle))


@dataclass(frozen=True)
class Report:
    period: Period
    events: list[EventRow]  # the first TABLE_ROWS
    events_total: int
    team_weeks: list[TeamWeek]
    weeks: list[TeamWeek]
    load: list[Load]


def report(*, period: Period, now: datetime) -> Report:
    rows = list(event_rows(period=period, now=now))
    team_weeks, overall = weeks(period=period, rows=rows)
    return Report(
        period=period,
        events=rows[:TABLE_ROWS],
        events_total=len(rows),
        team_weeks=team_weeks,
        weeks=overall,
        load=on_call_load(period=period, rows=rows),
    )
