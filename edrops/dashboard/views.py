"""The live dashboard: server-rendered pages, the event list refreshed by htmx polling a
fragment. Thin: reads come from selectors, acknowledge/resolve/notes from the one service path;
who may read and act is edrops/permissions.py's (an event one may not read is a 404, an action
one may not take a 403 page, and its buttons are not shown)."""

import dataclasses
from datetime import timedelta
from functools import wraps
from urllib.parse import unquote

from django.contrib import messages
from django.contrib.auth.decorators import login_required as django_login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from edrops import permissions, services
from edrops import selectors as event_selectors
from edrops.csv_export import cell, csv_response
from edrops.dashboard import freshness, selectors
from edrops.dashboard import rows as board_rows
from edrops.dashboard.selectors import controls_context
from edrops.models import Event
from edrops.selectors.coverage import open_gaps
from edrops.selectors.maintenance import active_and_upcoming, covered_sources
from edrops.selectors.processes import system_health
from rosters.models import Team
from rosters.selectors import on_call_and_next

# API.md §4's timeline entry, as CSV columns.
TIMELINE_COLUMNS = ["at", "kind", "person", "channel", "detail"]


def login_required(view):
    """Django's, except that an htmx request (the board's poll, a button) whose session has
    expired sends the whole page to the login, instead of the login form being swapped into
    the board."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            path = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(path)["Location"])
        return django_login_required(view)(request, *args, **kwargs)

    return guarded


def _zone(request, *, person, team_zone: str | None = None):
    return selectors.viewer_zone(
        person=person,
        team_zone=team_zone,
        browser_zone=unquote(request.COOKIES.get(selectors.TZ_COOKIE, "")),
    )


def _actor(request) -> permissions.Actor:
    if not hasattr(request, "actor"):
        request.actor = permissions.Actor.of_login(request.user)
    return request.actor


def _board_context(request, *, now=None) -> dict:
    now = now or timezone.now()
    actor = _actor(request)
    board = selectors.board(actor=actor)
    theirs = permissions.actionable_ids(actor=actor, events=board.open)
    maintenance = active_and_upcoming(now=now)
    zone = _zone(request, person=actor.person)
    rows = board_rows.open_rows(events=board.open, now=now, zone=zone, actionable=theirs)
    health = system_health(now=now)
    gaps = open_gaps(now=now)
    return {
        "now": now,
        "zone": zone,
        "rows": rows,
        "open_total": board.open_total,
        "closed": board_rows.closed_rows(events=board.closed, zone=zone),
        "health": health,
        "maintenance": maintenance[: selectors.MAINTENANCE_SHOWN],
        "maintained_sources": covered_sources(windows=maintenance),
        "gaps": gaps,
        "changes_at": freshness.changes_at(
            now=now, events=board.open, health=health, windows=maintenance, gaps=gaps
        ),
    }


@login_required
@require_GET
def dashboard(request):
    """The page, or (htmx's poll) the board: 204 when the browser's board is still the one it
    would get (edrops/dashboard/freshness.py)."""
    if not request.htmx:
        response = render(request, "dashboard/index.html", _board_context(request))
        freshness.vary_on_htmx(response)
        return response
    now = timezone.now()
    digest = freshness.digest(request=request, actor=lambda: _actor(request), now=now)
    if freshness.unchanged(request, digest=digest, now=now):
        return freshness.nothing_new()
    context = _board_context(request, now=now)
    response = render(request, "dashboard/_board.html", context)
    response["ETag"] = freshness.etag(digest=digest, until=context["changes_at"])
    freshness.keep_out_of_caches(response)
    return response


def _event_or_404(request, event_id) -> Event:
    """The event, if this login may read it; else 404, as if there were none."""
    event = event_selectors.event_with_history(event_id=event_id)
    if event is None or not permissions.may_read(actor=_actor(request), event=event):
        raise Http404("no such event")
    return event


def _act(request, event_id, act, **more) -> HttpResponse:
    event = _event_or_404(request, event_id)
    try:
        result = act(
            event=event,
            by=_actor(request).person,
            user=request.user,
            via="web",
            at=timezone.now(),
            **more,
        )
    except (permissions.Refused, permissions.MayNotPage) as refused:
        if not request.htmx:
            raise PermissionDenied(refused.detail) from None
        # A board drawn before the rules changed: the refusal shows where the button was.
        messages.error(request, f"{event.external_id}: {refused.detail}")
        return _back(request, event_id, status=403)
    except services.Conflict as conflict:  # closed since the page was drawn
        messages.error(request, conflict.detail)
        return _event_page(request, event_id, status=409)
    except services.BadPage as bad:
        messages.error(request, " ".join(m for ms in bad.errors.values() for m in ms))
        return _event_page(request, event_id, status=400)
    # "already acknowledged by bob via sms" is news to whoever pressed the button second.
    if isinstance(result, services.AckResult):
        messages.info(request, f"{result.event.external_id}: {result.message}")
    return _back(request, event_id)


def _back(request, event_id, status: int = 200) -> HttpResponse:
    """Back where the button was: the board (redrawn in place by htmx) or the event's page."""
    if request.POST.get("next") == "event":
        if request.htmx:  # the Resolve button, once its confirmation was accepted
            answer = HttpResponseClientRedirect(reverse("dashboard:event", args=[event_id]))
            answer.status_code = status
            return answer
        return redirect("dashboard:event", event_id=event_id)
    if request.htmx:
        return render(request, "dashboard/_board.html", _board_context(request), status=status)
    return redirect("dashboard:index")


@login_required
@require_POST
def acknowledge(request, event_id):
    return _act(request, event_id, services.acknowledge)


@login_required
@require_POST
def resolve(request, event_id):
    return _act(request, event_id, services.resolve)


@login_required
@require_POST
def decline(request, event_id):
    return _act(request, event_id, services.decline)


@login_required
@require_POST
def note(request, event_id):
    text = " ".join(request.POST.get("text", "").split())[: services.NOTE_MAX]
    if not text:
        messages.error(request, "A note needs some text.")
        return redirect("dashboard:event", event_id=event_id)
    return _act(request, event_id, services.add_note, text=text)


@login_required
@require_GET
def event_page(request, event_id):
    return _event_page(request, event_id)


def _event_page(request, event_id, *, status: int = 200) -> HttpResponse:
    event = _event_or_404(request, event_id)
    actor = _actor(request)
    now = timezone.now()
    can_act = permissions.may_act(actor=actor, event=event)
    return render(
        request,
        "dashboard/event.html",
        {
            "event": event,
            "can_act": can_act,
            "note_max": services.NOTE_MAX,
            "now": now,
            "stage": selectors.escalation_stage(event),
            "timeline": event_selectors.timeline(event=event),
            "zone": _zone(request, person=actor.person, team_zone=event.team.timezone),
            "health": system_health(now=now),
            **(controls_context(actor=actor) if can_act and event.is_open else {}),
        },
        status=status,
    )


@login_required
@require_GET
def event_timeline(request, event_id, fmt: str):
    """The event's timeline to keep (`.json`, `.csv`): what the page shows, times in the team's
    zone with their offset."""
    event = _event_or_404(request, event_id)
    items = event_selectors.timeline(event=event)
    zone = event.team.tz
    if fmt == "csv":
        rows = ([cell(v, zone=zone) for v in dataclasses.astuple(item)] for item in items)
        return csv_response(
            filename=f"edrops-event-{event.pk}-timeline.csv", header=TIMELINE_COLUMNS, rows=rows
        )
    body = {
        "id": str(event.pk),
        "external_id": event.external_id,
        "summary": event.summary,
        "team": event.team.slug,
        "source": event.source.name,
        "timeline": [
            {**dataclasses.asdict(item), "at": item.at.astimezone(zone).isoformat()}
            for item in items
        ],
    }
    response = JsonResponse(body, json_dumps_params={"indent": 1})
    response["Content-Disposition"] = (
        f'attachment; filename="edrops-event-{event.pk}-timeline.json"'
    )
    return response


@login_required
@require_GET
def oncall(request):
    """Who holds each rotation now, and who is next, in their local time and the viewer's."""
    now = timezone.now()
    teams = list(Team.objects.order_by("slug"))
    by_team = on_call_and_next(teams=teams, at=now, horizon=now + timedelta(days=60))
    rows = [
        {"team": team, "now": holder, "next": following}
        for team in teams
        for holder, following in by_team[team.pk]
    ]
    return render(
        request,
        "dashboard/oncall.html",
        {
            "rows": rows,
            "teams": teams,
            "now": now,
            "zone": _zone(request, person=_actor(request).person),
            "health": system_health(now=now),
        },
    )
