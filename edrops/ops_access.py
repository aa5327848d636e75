"""Who may read the ops endpoints (/metrics, /api/schema/, /api/docs/): EDROPS_OPS_ENDPOINTS.

- `staff-or-loopback` (the default): staff (a session or a staff user's API token), or anyone
  whose client address is loopback, so a Prometheus or curl on the host needs no credentials.
- `staff`: staff only, loopback or not.
- `public`: anyone (an install whose network already decides who gets in).

"Loopback" is the client's address as TRUSTED_PROXIES report it (edrops.client_address): behind
a proxy on the same host every request comes from 127.0.0.1, and only X-Forwarded-For says who
is really asking. One gate, used three ways: `OpsEndpoint` for DRF views (drf-spectacular's, via
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]), `ops_endpoint` for a plain Django view, and
`allows(request, user)` for anything else.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission

from edrops.client_address import is_loopback

STAFF_OR_LOOPBACK = "staff-or-loopback"
STAFF = "staff"
PUBLIC = "public"
MODES = (STAFF_OR_LOOPBACK, STAFF, PUBLIC)


def allows(request: HttpRequest, user) -> bool:
    mode = settings.EDROPS_OPS_ENDPOINTS
    if mode == PUBLIC:
        return True
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return mode == STAFF_OR_LOOPBACK and is_loopback(request)


def refusal() -> str:
    who = "staff" if settings.EDROPS_OPS_ENDPOINTS == STAFF else "staff, or a client on loopback,"
    return (
        f"Only {who} may read this (EDROPS_OPS_ENDPOINTS={settings.EDROPS_OPS_ENDPOINTS}): "
        "log in as staff, or send a staff user's 'Authorization: Token <key>'."
    )


class OpsEndpoint(BasePermission):
    """401 without credentials, 403 for a login that isn't staff, each saying who may."""

    def has_permission(self, request, view) -> bool:
        if allows(request, request.user):
            return True
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated(refusal())
        raise exceptions.PermissionDenied(refusal())


def ops_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A plain GET view behind the gate (e.g. /metrics): DRF's session and token
    authentication, then OpsEndpoint; the view's own response when allowed."""
    return api_view(["GET"])(permission_classes([OpsEndpoint])(view))
