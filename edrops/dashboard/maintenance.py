"""The dashboard's Maintenance page: the active and upcoming windows, each with *End now*, and
a form for a new one. Thin: the service plans and ends (and refuses: 403), the form only reads
what a person typed, times being local wall-clock times in the zone they chose."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from edrops import permissions
from edrops.dashboard.views import _actor, _zone, login_required
from edrops.models import MaintenanceMode, MaintenanceWindow, Severity, Source
from edrops.selectors.maintenance import active_and_upcoming
from edrops.selectors.processes import system_health
from edrops.services.maintenance import InvalidWindow, WindowInput, end_window, plan_window
from rosters.models import Team
from rosters.validators import validate_timezone

LOCAL = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
MATCH = "match"


class WindowForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="what the ops room will read on the board")
    covers = forms.ChoiceField(
        label="Covers",
        help_text="a source (its events and heartbeat), a team (its events and its sources' "
        "heartbeats), or the events that match below",
    )
    market = forms.CharField(max_length=64, required=False, help_text="e.g. MISO")
    program = forms.CharField(max_length=64, required=False, help_text="e.g. LMR")
    severity = forms.ChoiceField(choices=[("", "any severity"), *Severity.choices], required=False)
    mode = forms.ChoiceField(
        choices=MaintenanceMode.choices, widget=forms.RadioSelect, initial=MaintenanceMode.SILENT
    )
    starts_at = forms.DateTimeField(
        label="Starts",
        input_formats=[LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
    )
    ends_at = forms.DateTimeField(
        label="Ends",
        input_formats=[LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
    )
    time_zone = forms.CharField(
        max_length=64,
        validators=[validate_timezone],
        help_text="IANA; the start and end are local times there",
    )
    rrule = forms.CharField(
        label="Repeats",
        max_length=500,
        required=False,
        help_text="optional iCalendar RRULE, e.g. FREQ=WEEKLY;BYDAY=SU (same local hours each "
        "time, across DST)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sources = Source.objects.order_by("name").values_list("name", flat=True)
        teams = Team.objects.order_by("slug").values_list("slug", flat=True)
        self.fields["covers"].choices = [
            ("Sources", [(f"source:{name}", f"source {name}") for name in sources]),
            ("Teams", [(f"team:{slug}", f"team {slug}") for slug in teams]),
            (MATCH, "events matching market / program / severity"),
        ]

    def _local(self, name: str) -> datetime | None:
        value = self.cleaned_data.get(name)
        zone = self.cleaned_data.get("time_zone")
        if value is None or not zone:
            return None
        return timezone.make_naive(value).replace(tzinfo=ZoneInfo(zone))

    def to_input(self) -> WindowInput:
        data = self.cleaned_data
        kind, _, name = data["covers"].partition(":")
        match = {}
        if kind == MATCH:
            match = {k: data[k] for k in ("market", "program", "severity") if data[k]}
        return WindowInput(
            name=data["name"],
            starts_at=self._local("starts_at"),
            ends_at=self._local("ends_at"),
            mode=data["mode"],
            source=Source.objects.select_related("team").filter(name=name).first()
            if kind == "source"
            else None,
            team=Team.objects.filter(slug=name).first() if kind == "team" else None,
            match=match,
            rrule=data["rrule"],
            time_zone=data["time_zone"],
        )


def _page(request, form: WindowForm, *, status: int = 200):
    now = timezone.now()
    actor = _actor(request)
    windows = [
        {
            "state": state,
            "can_end": permissions.may_plan_maintenance(
                actor=actor,
                team=state.window.team
                or (state.window.source.team if state.window.source else None),
            ),
        }
        for state in active_and_upcoming(now=now)
    ]
    return render(
        request,
        "dashboard/maintenance.html",
        {
            "windows": windows,
            "form": form,
            "now": now,
            "zone": _zone(request, person=actor.person),
            "health": system_health(now=now),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def maintenance(request):
    """GET: the windows and an empty form; POST: plan the window the form describes."""
    if request.method == "GET":
        zone = _zone(request, person=_actor(request).person)
        return _page(request, WindowForm(initial={"time_zone": zone.key}))
    form = WindowForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        window = plan_window(data=form.to_input(), actor=_actor(request), now=timezone.now())
    except permissions.Refused as refused:
        form.add_error(None, refused.detail)
        return _page(request, form, status=403)
    except InvalidWindow as invalid:
        for name, problems in invalid.errors.items():
            field = {"source": "covers", "team": "covers", "match": "covers"}.get(name, name)
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return _page(request, form, status=400)
    messages.info(request, f"Planned maintenance window '{window.name}' ({window.scope()}).")
    return redirect("dashboard:maintenance")


@login_required
@require_POST
def end(request, window_id: int):
    window = (
        MaintenanceWindow.objects.select_related("source__team", "team")
        .filter(pk=window_id)
        .first()
    )
    if window is None:
        raise Http404("no such maintenance window")
    try:
        end_window(window=window, actor=_actor(request), now=timezone.now())
    except permissions.Refused as refused:
        raise PermissionDenied(refused.detail) from None
    messages.info(request, f"Ended maintenance window '{window.name}'.")
    return redirect("dashboard:maintenance")
