"""Whether a polling board has anything new to show. Every open dashboard asks for its board
every 2 s; most of the time nothing on it has changed, and redrawing it to find that out cost
a core per ten screens. So the fragment carries an ETag, dashboard.js sends it back with the
next poll (If-None-Match), and a board that would read the same is answered 204 No Content
after one query: htmx swaps nothing on a 204 (base.html's responseHandling). Never a 304: the
browser's cache is kept out of it (no-store), so a 304 would reach htmx with an empty body.

The ETag is `"<digest>.<until>"`. What it covers, and why:

- `digest`, of everything the board is drawn from that only a write changes:
  - the rows (board_version.py: events open and recently closed, unreachable lines, who was
    paged, maintenance windows, sources, teams, coverage gaps, the viewer's Person and teams)
    and the readiness of the worker, clock and ven processes (up or not *now*; not their
    check-ins, which come every few seconds);
  - who looks: the login and its rights (staff, superuser, active), their zone cookie (the
    board's times are in it), their CSRF cookie (the board's forms carry its token), the
    query string;
  - the settings the board reads (LIVENESS_TIMEOUT, EDROPS_READ_ALL_TEAMS) and the code that
    draws it, by content (after a deploy every board is redrawn once).
- `until`, in Unix milliseconds: the first moment after the board was drawn at which it would
  read differently with no write at all (`changes_at`). A poll after it redraws. The clock's
  share of the board:
  - an open event's age, "received 42 s ago" (selectors.since: seconds under a minute, then
    minutes, whole days past 48 h), and a triggered one's respond-by countdown, "respond
    within 4 min" or "missed respond-by 12 s ago", with the row's missed mark at respond_by;
  - "last heard 3 minutes ago" of each source and "worker last seen ... ago" of a missing
    process (Django's timesince: minutes under a day, hours after);
  - a source going late (its deadline less its grace) and silent (its deadline) without a
    heartbeat;
  - a maintenance window's occurrence starting or ending, its series ending;
  - a coverage gap's banner going when the gap ends.
  A client can only ever make its own board staler by sending a later `until`.

Pending messages (django.contrib.messages) always redraw: the board shows them once.
"""

import functools
import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from edrops import permissions
from edrops.dashboard.board_version import board_version
from edrops.dashboard.selectors import TZ_COOKIE
from edrops.models import CoverageGap, Event
from edrops.selectors.maintenance import WindowState
from edrops.selectors.processes import SystemHealth
from edrops.selectors.silence import HeartbeatState

# The board's pieces that move with the clock alone, in selectors.since's steps.
MINUTE, HOUR, DAY = 60, 3600, 86400
SINCE_DAYS_AFTER = 48 * HOUR  # "47 h 59 min", then "2 d"
EDROPS = Path(__file__).resolve().parents[1]


@functools.cache
def code() -> str:
    """The templates and modules that draw the board, by content: the same on every host and
    worker running one release, different after a deploy (the board's ETag and the keys of
    its drawn rows, fragments.py, both hold it)."""
    digest = hashlib.blake2b(digest_size=8)
    for folder, pattern in (
        ("templates/dashboard", "*.html"),
        ("dashboard", "*.py"),
        ("selectors", "*.py"),
        ("templatetags", "*.py"),
    ):
        for path in sorted((EDROPS / folder).glob(pattern)):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def digest(*, request: HttpRequest, actor: Callable[[], permissions.Actor], now: datetime) -> str:
    """What the board of this request is drawn from, less the clock (one query). Read it
    before drawing the board: a write in between then costs one more redraw, never a board
    stuck on what it showed before the write."""
    user = request.user
    parts = (
        code(),
        settings.LIVENESS_TIMEOUT,
        settings.EDROPS_READ_ALL_TEAMS,
        (user.pk, user.is_active, user.is_staff, user.is_superuser),
        request.COOKIES.get(TZ_COOKIE, ""),
        request.META.get("CSRF_COOKIE", ""),  # the CSRF secret, as CsrfViewMiddleware read it
        request.META.get("QUERY_STRING", ""),
        board_version(user=user, actor=actor, now=now),
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def etag(*, digest: str, until: datetime | None) -> str:
    return f'"{digest}.{"-" if until is None else int(until.timestamp() * 1000)}"'


def _current(tag: str, *, digest: str, now: datetime) -> bool:
    seen, _, until = tag.strip('"').partition(".")
    if seen != digest:
        return False
    if until == "-":
        return True
    try:
        return now < datetime.fromtimestamp(int(until) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return False  # not a tag of ours: draw the board


def unchanged(request: HttpRequest, *, digest: str, now: datetime) -> bool:
    """Whether the board the browser says it shows (If-None-Match) is the one it would get."""
    if len(messages.get_messages(request)):  # counted, not read: they stay for the redraw
        return False
    shown = parse_etags(request.headers.get("If-None-Match", ""))
    return any(_current(tag, digest=digest, now=now) for tag in shown)


def nothing_new() -> HttpResponse:
    response = HttpResponse(status=204)
    keep_out_of_caches(response)
    return response


def vary_on_htmx(response: HttpResponse) -> None:
    """`/` is the page and, with HX-Request, the fragment: no cache may answer one for the
    other (a Back button showing a bare fragment)."""
    patch_vary_headers(response, ["HX-Request"])


def keep_out_of_caches(response: HttpResponse) -> None:
    """The poll's ETag is dashboard.js's to send, not the browser cache's: a revalidated 304
    would reach htmx as the cached 200 at best, and an empty 304 at worst."""
    response["Cache-Control"] = "no-store"
    vary_on_htmx(response)


def _since_changes(at: datetime, now: datetime) -> datetime:
    """When selectors.since(at, now), an age, next reads differently."""
    seconds = max(0, int((now - at).total_seconds()))
    if seconds < MINUTE:
        step = seconds + 1
    elif seconds < SINCE_DAYS_AFTER:
        step = (seconds // MINUTE + 1) * MINUTE
    else:
        step = (seconds // DAY + 1) * DAY
    return at + timedelta(seconds=step)


def _countdown_changes(deadline: datetime, now: datetime) -> datetime:
    """When selectors.since(now, deadline), a time left, next reads differently: when the
    seconds, minutes or days it shows tick down, and at the deadline itself."""
    seconds = int((deadline - now).total_seconds())
    if seconds < MINUTE:
        shown = seconds
    elif seconds < SINCE_DAYS_AFTER:
        shown = seconds // MINUTE * MINUTE
    else:
        shown = seconds // DAY * DAY
    return deadline - timedelta(seconds=shown)


def _timesince_changes(at: datetime, now: datetime) -> datetime:
    """When Django's `timesince` (two units, minutes the smallest) next reads differently:
    at a whole minute after `at` under a day; past a day (days and hours, or larger units)
    at a whole hour, a second early, as its month arithmetic drops microseconds."""
    seconds = (now - at).total_seconds()
    if seconds < DAY:
        return at + timedelta(seconds=(max(0, int(seconds // MINUTE)) + 1) * MINUTE)
    return at + timedelta(seconds=(int(seconds // HOUR) + 1) * HOUR - 1)


def changes_at(
    *,
    now: datetime,
    events: Iterable[Event],
    health: SystemHealth,
    windows: Iterable[WindowState],
    gaps: QuerySet[CoverageGap],
) -> datetime | None:
    """The first moment after `now` when the board drawn at `now` would read differently
    with no write (see the module's docstring); None: never. `windows`: every window not over,
    shown on the banner or not (one starting can push another off it)."""
    moments = []
    for event in events:
        moments.append(_since_changes(event.created_at, now))
        if event.status == Event.Status.TRIGGERED:
            moments.append(
                _countdown_changes(event.respond_by, now)
                if event.respond_by > now
                else _since_changes(event.respond_by, now)
            )
    for role in health.missing:
        if at := health.last_seen.get(role):
            moments.append(_timesince_changes(at, now))
    for source in health.sources:
        if source.last_heartbeat_at:
            moments.append(_timesince_changes(source.last_heartbeat_at, now))
        if source.state in (HeartbeatState.OK, HeartbeatState.WAITING, HeartbeatState.LATE):
            moments.extend(at for at in (source.late_at, source.next_due) if at and at > now)
    for state in windows:
        if state.active:
            moments.append(state.active.ends_at)
        if state.next:
            moments.append(state.next.starts_at)
        if state.window.series_ends_at and state.window.series_ends_at > now:
            moments.append(state.window.series_ends_at)
    moments.extend(gap.ends_at for gap in gaps)
    return min(moments, default=None)
