"""Who may read the operators' endpoints (/metrics): one function, so that the rule is decided
in one place.

This is the default of `EDROPS_OPS_ENDPOINTS` (docs/API.md §2), `staff-or-loopback`: a staff
login (a session, or `Authorization: Token <key>` for a scraper), or any request from this
machine. Behind a reverse proxy on the same machine every request comes from loopback: there,
"loopback" must be read from the proxy's `X-Forwarded-For` (`TRUSTED_PROXIES`), not from the
socket."""

import ipaddress


def ops_endpoint_allowed(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return from_loopback(request)


def from_loopback(request) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
