"""The dashboard's controls: "Page a team" / "Page a person" (a page of its own), and the event
page's *Escalate now*, *Reassign* and *Snooze*. Thin: the services are the API's, asked as the
logged-in person; refusals are theirs (403, 409 and 400, said on the page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from edrops import permissions, services
from edrops.dashboard import selectors
from edrops.dashboard.forms import PageForm
from edrops.dashboard.views import _act, _actor, _zone, login_required
from edrops.selectors.processes import system_health
from rosters.columns import Unstorable


@login_required
@require_http_methods(["GET", "POST"])
def page_form(request):
    actor = _actor(request)
    to_person = request.GET.get("to") == "person"
    zone = _zone(request, person=actor.person)
    teams = list(permissions.pageable_teams(actor=actor))
    status = 200
    with timezone.override(zone):  # the times typed are the viewer's
        form = PageForm(request.POST or None, teams=teams, to_person=to_person)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                team, person = form.targets()
                try:
                    event = services.page_by_hand(
                        actor=actor,
                        team=team,
                        person=person,
                        facts=form.facts(),
                        body={k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"},
                        now=timezone.now(),
                    )
                except permissions.MayNotPage as refused:
                    raise PermissionDenied(refused.detail) from None
                except (services.BadPage, Unstorable) as bad:
                    for field, errors in bad.errors.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    whom = person or f"team {team}"
                    messages.success(request, f"Paged {whom}: {event.summary}")
                    return redirect("dashboard:event", event_id=event.pk)
    now = timezone.now()
    return render(
        request,
        "dashboard/page.html",
        {
            "form": form,
            "to_person": to_person,
            "may_page": bool(teams),
            "zone": zone,
            "now": now,
            "health": system_health(now=now),
        },
        status=status,
    )


@login_required
@require_POST
def escalate(request, event_id):
    return _act(request, event_id, services.escalate_now)


@login_required
@require_POST
def reassign(request, event_id):
    kind, _, name = request.POST.get("to", "").partition(":")
    if kind not in ("team", "person") or not name:
        messages.error(request, "Choose a team or a person to reassign it to.")
        return redirect("dashboard:event", event_id=event_id)
    return _act(request, event_id, services.reassign, **{kind: name[:64]})


@login_required
@require_POST
def snooze(request, event_id):
    minutes = request.POST.get("minutes", "")
    if not minutes.isdigit() or int(minutes) not in selectors.SNOOZE_CHOICES:
        messages.error(request, "Choose how long to snooze it for.")
        return redirect("dashboard:event", event_id=event_id)
    return _act(request, event_id, services.snooze, minutes=int(minutes))
