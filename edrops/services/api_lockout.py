"""Repeated failed credentials on the API from one client address: 429 instead of 401.

The same numbers as the login page's django-axes (AXES_FAILURE_LIMIT failures, each within
AXES_COOLOFF_TIME of the one before; locked until AXES_COOLOFF_TIME after the last), but a
count of its own: a script in the ops room with an expired token must not lock the room's
password logins.

Only a credential that fails is refused. Tokens are 256 random bits: no number of tries
guesses one, so the lockout is there to slow scanners and broken senders, never to turn away a
valid token. A dispatch from a sender that shares its address with a misconfigured one must
still page (API.md §3)."""

import math
from datetime import datetime

from django.conf import settings
from django.db import transaction

from edrops.models import ApiAuthFailures


def record_api_auth_failure(*, address: str, now: datetime) -> int | None:
    """Count one failed credential from `address`. Returns the seconds until the address is
    unlocked when this failure reaches the limit (so it is answered 429), else None."""
    cool_off = settings.AXES_COOLOFF_TIME
    address = address[: ApiAuthFailures._meta.get_field("address").max_length]  # an IPv6 zone
    with transaction.atomic():
        row, created = ApiAuthFailures.objects.select_for_update().get_or_create(
            address=address,
            defaults={"failures": 1, "first_failure_at": now, "last_failure_at": now},
        )
        if not created:
            if row.last_failure_at <= now - cool_off:
                row.failures, row.first_failure_at = 0, now  # a new run
            row.failures += 1
            row.last_failure_at = now
            row.save(update_fields=["failures", "first_failure_at", "last_failure_at"])
    if created:
        # Runs that ended long ago lock nothing: the first failure of a new one clears them.
        ApiAuthFailures.objects.filter(last_failure_at__lte=now - cool_off).delete()
    if row.failures < settings.AXES_FAILURE_LIMIT:
        return None
    return math.ceil(cool_off.total_seconds())
