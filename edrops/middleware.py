"""Two things every request goes through: who the client is (ClientAddressMiddleware), and,
while the database can't be reached, a 503 with Retry-After, never a 500
(DatabaseUnavailableMiddleware).

A sender that gets a 500 may give up or page a human; a 503 with Retry-After is the answer
every HTTP client and load balancer knows means "this will pass, send it again". Nothing was
accepted, so nothing is lost: the sender still holds the event.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from edrops.client_address import client_address, is_trusted_proxy, parse_address

log = logging.getLogger(__name__)

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")


class ClientAddressMiddleware:
    """Resolves `request.client_address` once (edrops.client_address), and drops the proxy
    headers of a peer that is not in TRUSTED_PROXIES: its `X-Forwarded-Proto: https` must not
    make Django think a plain-HTTP request came over TLS (SECURE_PROXY_SSL_HEADER)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_trusted_proxy(parse_address(request.META.get("REMOTE_ADDR", ""))):
            for header in PROXY_HEADERS:
                request.META.pop(header, None)
        client_address(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("%s %s: database unavailable: %s", request.method, request.path, exception)
        response = JsonResponse(
            {"detail": "The database is unreachable; nothing was accepted. Try again shortly."},
            status=503,
        )
        response["Retry-After"] = str(settings.DB_UNAVAILABLE_RETRY_AFTER)
        return response
