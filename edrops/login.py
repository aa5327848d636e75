"""The login page's answer when django-axes refuses a login (AXES_LOCKOUT_CALLABLE): the same
page, saying why, for how long, and who can lift it, with 429 Too Many Requests."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    what = "this username" if username_locked(username) else "your address"
    message = (
        f"Too many failed logins for {what}: logins are refused for {minutes} minutes after the "
        "last failed attempt, even with the right password. Staff can unlock it in the admin "
        "(Axes, Access attempts)."
    )
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "locked_out": message,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def username_locked(username: str) -> bool:
    """Whether `username` itself is over the limit (else it is the client's address)."""
    if not username:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT
