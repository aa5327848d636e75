"""`/profile`: the viewer's own Person, and nobody else's. The person edited is always the
one linked to the login; nothing in the request names it, so no request can reach another's."""

from urllib.parse import unquote
from zoneinfo import available_timezones

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from edrops import permissions
from edrops.dashboard import selectors as dashboard_selectors
from edrops.dashboard.views import login_required
from edrops.profile.forms import ContactRuleFormSet, OwnDetailsForm, rules_of
from edrops.services.api_tokens import own_api_tokens, revoke_own_api_token
from edrops.services.drills import send_test_page
from notifications.selectors import latest_test_page
from notifications.services import NothingToTest, TooSoonForTestPage
from rosters.models import Channel, Person
from rosters.selectors import contact_gaps, contact_plan
from rosters.services.people import update_own_details
from rosters.validators import format_duration

RULES = "rules"  # the formset's prefix


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    person = permissions.Actor.of_login(request.user).person
    if person is None:
        # Nothing of theirs to edit; a POST changes nothing and says so.
        status = 403 if request.method == "POST" else 200
        context = {"zone": _zone(request, None), "tokens": own_api_tokens(user=request.user)}
        return render(request, "profile/profile.html", context, status=status)
    if request.method == "POST":
        # A copy: validating writes the posted values into the form's instance.
        details = OwnDetailsForm(request.POST, instance=Person.objects.get(pk=person.pk))
        rules = ContactRuleFormSet(request.POST, prefix=RULES)
        if details.is_valid() and rules.is_valid():
            try:
                update_own_details(person=person, **details.own_details(), rules=rules_of(rules))
            except ValidationError as e:
                details.add_error(None, e.messages)
            else:
                messages.success(request, "Saved.")
                return redirect("profile")
        return _page(request, person, details, rules, status=400)
    initial = [{"channel": r.channel, "after": r.delay} for r in person.contact_rules.all()]
    return _page(
        request,
        person,
        OwnDetailsForm(instance=person),
        ContactRuleFormSet(initial=initial, prefix=RULES),
    )


def _zone(request, person):
    return dashboard_selectors.viewer_zone(
        person=person, browser_zone=unquote(request.COOKIES.get(dashboard_selectors.TZ_COOKIE, ""))
    )


def _page(request, person, details, rules, status=200):
    return render(
        request,
        "profile/profile.html",
        {
            "person": person,
            "details": details,
            "rules": rules,
            "plan": [
                f"{Channel(step.channel).label} "
                + (f"after {format_duration(step.delay)}" if step.delay else "at once")
                for step in contact_plan(person=person)
            ],
            "gaps": contact_gaps(person=person),
            "teams": list(person.teams.order_by("slug")),
            "zones": sorted(available_timezones()),
            "zone": _zone(request, person),
            "tokens": own_api_tokens(user=request.user),
            "test_page": latest_test_page(person_id=person.pk),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def test_page(request):
    """POST: "Send me a test page" (then back to /profile, where the results show). GET: the
    results alone, which the profile polls while some may still change."""
    actor = permissions.Actor.of_login(request.user)
    if actor.person is None:
        raise Http404("Your login is not linked to a person.")
    if request.method == "GET":
        context = {
            "test_page": latest_test_page(person_id=actor.person.pk),
            "zone": _zone(request, actor.person),
        }
        return render(request, "profile/_test_page.html", context)
    try:
        send_test_page(actor=actor, person=actor.person, now=timezone.now())
    except NothingToTest:
        messages.error(request, "Nothing can reach you yet: give a phone number, a Slack user id "
                       "or an email address first.")
    except TooSoonForTestPage as soon:
        messages.error(request, f"A test page went out less than a minute ago; see below, or "
                       f"send another in {soon.retry_after} s.")
    else:
        messages.success(request, "Test page sent on each of your contact methods: the results "
                         "show below as the providers answer.")
    return redirect(reverse("profile") + "#test-page")


@login_required
@require_http_methods(["POST"])
def revoke_token(request, token_key: str):
    """Revoke one of the viewer's own API tokens (another login's: 404, nothing changes)."""
    if not revoke_own_api_token(user=request.user, token_key=token_key):
        raise Http404("You have no such token.")
    messages.success(request, f"Token {token_key}… revoked: it no longer works.")
    return redirect("profile")
