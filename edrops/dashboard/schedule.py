"""The schedule page (`/schedule?team=SLUG&weeks=N`): every team's rotations as a timeline and
as a list of shifts, in the reader's zone, with coverage gaps in red; from a shift a responder
takes it or asks for a swap, and accepts someone else's swap. Thin: reads come from the
rosters' selectors, writes from edrops/services/shifts.py (which tells the team's leads)."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from edrops.dashboard.timeline import TeamLanes, draw
from edrops.dashboard.views import _actor, _zone, login_required
from edrops.selectors.coverage import open_gaps
from edrops.selectors.processes import system_health
from edrops.services import shifts as shift_services
from rosters.coverage import who_is_paged
from rosters.models import Role, Rotation, SwapRequest, Team
from rosters.selectors import shifts

MAX_WEEKS = 8
DEFAULT_WEEKS = 2


def _weeks(value: str | None) -> int | None:
    if value in (None, ""):
        return DEFAULT_WEEKS
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_WEEKS else None


@login_required
@require_GET
def schedule(request):
    weeks = _weeks(request.GET.get("weeks"))
    if weeks is None:
        return HttpResponseBadRequest(f"weeks: a whole number from 1 to {MAX_WEEKS}")
    slug = request.GET.get("team") or ""
    teams = list(Team.objects.order_by("slug"))
    shown = [t for t in teams if t.slug == slug] if slug else teams
    if slug and not shown:
        raise Http404("no such team")
    now = timezone.now()
    person = _actor(request).person
    zone = _zone(request, person=person, team_zone=shown[0].timezone if slug else None)
    # From the start of the reader's day, so the morning's handoff is on the page.
    start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start.replace(tzinfo=None) + timedelta(weeks=weeks)).replace(tzinfo=zone)
    lanes, lists = [], []
    for team in shown:
        found = shifts(team=team, start=start, end=end)
        rotations = [
            (r.name, [s for s in found if s.rotation.pk == r.pk]) for r in team.rotations.all()
        ]
        lanes.append(
            TeamLanes(
                team.slug, team.name, rotations, who_is_paged(team=team, start=start, end=end)
            )
        )
        may_take = person is not None and (
            person.role == Role.LEAD or team.members.filter(pk=person.pk).exists()
        )
        lists.append({
            "team": team,
            "shifts": [
                {
                    "shift": s,
                    "anchor": f"shift-{team.slug}-{s.rotation.name}-{s.starts_at.timestamp():.0f}",
                    "mine": person is not None and s.person == person,
                    "may_take": may_take and s.person != person,
                }
                for s in found
                if s.ends_at > now
            ],
            "swaps": SwapRequest.objects.filter(
                rotation__team=team, override__isnull=True, ends_at__gt=now
            ).select_related("asked_by", "rotation"),
        })  # fmt: skip
    return render(
        request,
        "dashboard/schedule.html",
        {
            "svg": draw(teams=lanes, start=start, end=end, tz=zone, now=now),
            "lists": lists,
            "teams": teams,
            "team": shown[0] if slug else None,
            "weeks": weeks,
            "week_choices": range(1, MAX_WEEKS + 1),
            "gaps": open_gaps(now=now, teams=shown),
            "person": person,
            "now": now,
            "zone": zone,
            "health": system_health(now=now),
        },
    )


def _back(request):
    query = {k: request.POST[k] for k in ("team", "weeks") if request.POST.get(k)}
    return redirect(f"/schedule?{urlencode(query)}" if query else "/schedule")


def _span(request) -> tuple[Rotation, datetime, datetime]:
    pk = request.POST.get("rotation", "")
    rotation = (
        Rotation.objects.select_related("team").filter(pk=pk).first()
        if pk.isdigit() and len(pk) < 10
        else None
    )
    if rotation is None:
        raise ValidationError("No such rotation.")
    try:
        starts = parse_datetime(request.POST.get("starts_at", ""))
        ends = parse_datetime(request.POST.get("ends_at", ""))
    except ValueError:
        starts = ends = None
    if starts is None or ends is None or starts.tzinfo is None or ends.tzinfo is None:
        raise ValidationError("Give the shift's start and end as ISO 8601 times with an offset.")
    return rotation, starts, ends


def _act(request, act) -> object:
    person = _actor(request).person
    if person is None:
        messages.error(request, "Your login is not linked to anyone on the roster.")
        return _back(request)
    try:
        done = act(person)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, done)
    return _back(request)


@login_required
@require_POST
def take(request):
    def act(person):
        rotation, starts, ends = _span(request)
        shift_services.take_shift(
            person=person, rotation=rotation, starts_at=starts, ends_at=ends, now=timezone.now()
        )
        return f"You have {rotation.team.slug}/{rotation.name}; its leads were told."

    return _act(request, act)


@login_required
@require_POST
def ask_for_swap(request):
    def act(person):
        rotation, starts, ends = _span(request)
        shift_services.ask_for_swap(
            person=person, rotation=rotation, starts_at=starts, ends_at=ends, now=timezone.now()
        )
        return "Swap asked for: anyone on the team can accept it here."

    return _act(request, act)


@login_required
@require_POST
def accept_swap(request, request_id: int):
    def act(person):
        override = shift_services.accept_swap(
            request_id=request_id, person=person, now=timezone.now()
        )
        return (
            f"You have {override.rotation.team.slug}/{override.rotation.name}; its leads were told."
        )

    return _act(request, act)
