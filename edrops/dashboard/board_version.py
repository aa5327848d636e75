"""What the board is drawn from, in one query: a version that changes with every write to a
row the board shows, and with nothing else (edrops/dashboard/freshness.py puts its digest in
the poll's ETag; the clock's share, what changes on the board without a write, is
`freshness.changes_at`).

Each part is the set of rows one piece of the board is drawn from, one token a row: the row's
every column, as text (PostgreSQL digests each row with md5). A row added, changed or removed
changes its part, whoever wrote it and however: `QuerySet.update()`, which leaves
`updated_at` alone, included. The parts:

- the open events the viewer may read (every column of a row is shown or feeds its stage),
  and the 20 most recently closed ones, as `selectors.board` picks them;
- the newest "could not be reached" line on an open event's timeline, and who each open event
  paged (a responder may act on what paged them);
- maintenance windows not over yet, and those an event shown arrived in (its badge names it);
- every source (the Sources table and the silence banners; a heartbeat writes its row) and
  every team (slugs on rows, sources and gap banners);
- coverage gaps not filled yet;
- the viewer's Person and teams (their zone, what they may act on);
- whether any source reads a VTN (a ven process is then needed), and whether a worker, a
  clock and a ven process each checked in within LIVENESS_TIMEOUT *now*, or else when one
  last did; not the check-ins themselves, which a live process writes every few seconds
  without anything on the board changing.
"""

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from edrops import permissions
from edrops.dashboard.selectors import RECENT_CLOSED
from edrops.models import (
    CoverageGap,
    Event,
    MaintenanceWindow,
    ProcessCheckIn,
    Source,
    TimelineEntry,
    Vtn,
)
from rosters.models import Person, Team

Query = tuple[str, list]


def _row_token(model: type[Model]) -> RawSQL:
    """One row as text, changed by any write to it (see the module's docstring)."""
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        return RawSQL(f"md5({table}::text)", ())  # noqa: S611 -- our own table name
    columns = [
        f"quote({table}.{connection.ops.quote_name(f.column)})" for f in model._meta.concrete_fields
    ]
    return RawSQL(" || ',' || ".join(columns), ())  # noqa: S611 -- our own column names


def _tokens(rows: QuerySet) -> Query:
    """A scalar subquery: the tokens of `rows` in one string (PostgreSQL: its md5)."""
    if not rows.query.is_sliced:
        rows = rows.order_by()  # the aggregate orders the tokens itself
    try:
        tokens = rows.annotate(_token=_row_token(rows.model)).values_list("_token")
        sql, params = tokens.query.sql_with_params()
    except EmptyResultSet:  # nothing the viewer may read
        return "NULL", []
    if connection.vendor == "postgresql":
        digest, ordered = "md5(string_agg(t._token, ',' ORDER BY t._token))", sql
    else:
        # SQLite's group_concat keeps the order it is given in practice; another order would
        # only cost a needless redraw, never a stale board.
        digest = "group_concat(t._token, ',')"
        ordered = f"SELECT _token FROM ({sql}) ORDER BY 1"  # noqa: S608 -- ORM-built
    return f"(SELECT {digest} FROM ({ordered}) t)", [*params]  # noqa: S608 -- ORM-built


def _exists(rows: QuerySet) -> Query:
    sql, params = rows.values("pk")[:1].query.sql_with_params()
    return f"(SELECT COUNT(*) FROM ({sql}) t)", [*params]  # noqa: S608 -- ORM-built


def _readiness(role: str, *, cutoff: datetime) -> Query:
    """'up' when a `role` process checked in since `cutoff`; else when one last did."""
    table = connection.ops.quote_name(ProcessCheckIn._meta.db_table)
    sql = (
        "(SELECT CASE WHEN MAX(last_seen) >= %s THEN 'up' "  # noqa: S608 -- our table name
        f"ELSE COALESCE(CAST(MAX(last_seen) AS TEXT), 'never') END FROM {table} WHERE role = %s)"
    )
    return sql, [connection.ops.adapt_datetimefield_value(cutoff), role]


def _query(*, events: QuerySet[Event], user_id: int, now: datetime) -> Query:
    """The one query: `events`, those the viewer may read."""
    opened = events.filter(status__in=Event.OPEN)
    closed = events.filter(status__in=Event.CLOSED, closed_at__isnull=False).order_by(
        "-closed_at", "-id"
    )[:RECENT_CLOSED]
    shown_windows = Q(pk__in=opened.values("maintenance_id")) | Q(
        pk__in=closed.values("maintenance_id")
    )
    not_over = Q(series_ends_at__isnull=True) | Q(series_ends_at__gt=now)
    cutoff = now - timedelta(seconds=settings.LIVENESS_TIMEOUT)
    parts = [
        _tokens(opened),
        _tokens(closed),
        _tokens(
            TimelineEntry.objects.filter(
                event__in=opened.values("pk"), kind=TimelineEntry.Kind.UNREACHABLE
            )
        ),
        _tokens(Event.paged_people.through.objects.filter(event__in=opened.values("pk"))),
        _tokens(MaintenanceWindow.objects.filter(not_over | shown_windows)),
        _tokens(Source.objects.all()),
        _tokens(Team.objects.all()),
        _tokens(CoverageGap.objects.filter(closed_at__isnull=True)),
        _tokens(Person.objects.filter(user_id=user_id)),
        _tokens(Team.members.through.objects.filter(person__user_id=user_id)),
        _exists(Vtn.objects.all()),
        *(_readiness(role, cutoff=cutoff) for role in ProcessCheckIn.Role.values),
    ]
    return "SELECT " + ", ".join(sql for sql, _ in parts), [p for _, ps in parts for p in ps]


# Building the query through the ORM costs more than running it. With one desk (every login
# reads every event) it is the same query for everyone but for the viewer and the moment, so
# it is built once, with these stand-ins, and they are swapped for the real ones.
_ANY_USER = -1_000_001
_ANY_NOW = datetime(1971, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


@functools.cache
def _read_all_query(vendor: str, liveness_timeout: float) -> Query:
    return _query(events=Event.objects.all(), user_id=_ANY_USER, now=_ANY_NOW)


def _stand_ins(*, user_id: int, now: datetime) -> dict:
    adapt = connection.ops.adapt_datetimefield_value
    cutoff = timedelta(seconds=settings.LIVENESS_TIMEOUT)
    return {
        _ANY_USER: user_id,
        adapt(_ANY_NOW): adapt(now),
        adapt(_ANY_NOW - cutoff): adapt(now - cutoff),
    }


def board_version(*, user, actor: Callable[[], permissions.Actor], now: datetime) -> tuple:
    """The rows the board of `user` is drawn from at `now`, as one tuple (one query).
    `actor`: the viewer as permissions.py knows them, asked for only when which events one
    may read depends on who one is (EDROPS_READ_ALL_TEAMS off): with one desk,
    permissions.visible answers every event without looking at the actor, so the viewer's
    Person is not even read and the poll stays one query."""
    if settings.EDROPS_READ_ALL_TEAMS:
        sql, stand_in_params = _read_all_query(connection.vendor, settings.LIVENESS_TIMEOUT)
        real = _stand_ins(user_id=user.pk, now=now)
        params = [real.get(param, param) for param in stand_in_params]
    else:
        events = permissions.visible(actor=actor(), events=Event.objects.all())
        sql, params = _query(events=events, user_id=user.pk, now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())
