"""The live dashboard: server-rendered pages, the event list refreshed by htmx polling a
fragment. Thin: reads come from selectors, acknowledge/resolve from the one service path."""

import dataclasses
from datetime import timedelta
from functools import wraps
from urllib.parse import unquote

from django.contrib import messages
from django.contrib.auth.decorators import login_required as django_login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from edrops import selectors as event_selectors
from edrops import services
from edrops.csv_export import cell, csv_response
from edrops.dashboard import selectors
from edrops.models import Event
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


def _board_context(request) -> dict:
    now = timezone.now()
    person = selectors.viewer_person(request.user)
    board = selectors.board()
    rows = [
        {
            "event": event,
            "stage": selectors.escalation_stage(event),
            "age": selectors.since(event.created_at, now),
            "missed": event.status == Event.Status.TRIGGERED and event.respond_by <= now,
            "left": selectors.since(now, event.respond_by)
            if event.respond_by > now
            else selectors.since(event.respond_by, now),
        }
        for event in board.open
    ]
    return {
        "now": now,
        "zone": _zone(request, person=person),
        "rows": rows,
        "open_total": board.open_total,
        "closed": board.closed,
        "health": system_health(now=now),
    }


@login_required
@require_GET
def dashboard(request):
    template = "dashboard/_board.html" if request.htmx else "dashboard/index.html"
    return render(request, template, _board_context(request))


def _event_or_404(event_id) -> Event:
    event = event_selectors.event_with_history(event_id=event_id)
    if event is None:
        raise Http404("no such event")
    return event


def _act(request, event_id, act) -> HttpResponse:
    person = selectors.viewer_person(request.user)
    result = act(
        event=_event_or_404(event_id),
        by=person,
        user=request.user,
        via="web",
        at=timezone.now(),
    )
    # "already acknowledged by bob via sms" is news to whoever pressed the button second.
    messages.info(request, f"{result.event.external_id}: {result.message}")
    # Back where the button was: the board (redrawn in place by htmx) or the event's page.
    if request.POST.get("next") == "event":
        if request.htmx:  # the Resolve button, once its confirmation was accepted
            return HttpResponseClientRedirect(reverse("dashboard:event", args=[event_id]))
        return redirect("dashboard:event", event_id=event_id)
    if request.htmx:
        return render(request, "dashboard/_board.html", _board_context(request))
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
@require_GET
def event_page(request, event_id):
    event = _event_or_404(event_id)
    person = selectors.viewer_person(request.user)
    now = timezone.now()
    return render(
        request,
        "dashboard/event.html",
        {
            "event": event,
            "now": now,
            "stage": selectors.escalation_stage(event),
            "timeline": event_selectors.timeline(event=event),
            "zone": _zone(request, person=person, team_zone=event.team.timezone),
            "health": system_health(now=now),
        },
    )


@login_required
@require_GET
def event_timeline(request, event_id, fmt: str):
    """The event's timeline to keep (`.json`, `.csv`): what the page shows, times in the team's
    zone with their offset."""
    event = _event_or_404(event_id)
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
    person = selectors.viewer_person(request.user)
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
            "zone": _zone(request, person=person),
            "health": system_health(now=now),
        },
    )
