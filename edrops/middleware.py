"""While the database can't be reached, say so: 503 with Retry-After, never a 500.

A sender that gets a 500 may give up or page a human; a 503 with Retry-After is the answer
every HTTP client and load balancer knows means "this will pass, send it again". Nothing was
accepted, so nothing is lost: the sender still holds the event.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

log = logging.getLogger(__name__)


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
