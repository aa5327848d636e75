"""Process liveness: workers and the clock check in; /readyz reads it."""

import os
import socket
from datetime import datetime, timedelta

from edrops.models import ProcessCheckIn

# A process that has not checked in for this long is gone for good; its row only clutters.
STALE_CHECK_IN = timedelta(days=1)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def check_in(*, role: ProcessCheckIn.Role, now: datetime, name: str | None = None) -> None:
    """Record that this process (a worker or the clock) is alive at `now`."""
    name = name or process_name()
    updated = ProcessCheckIn.objects.filter(role=role, name=name).update(last_seen=now)
    if not updated:
        # First check-in of this process: a fast UPDATE is all later ones need.
        ProcessCheckIn.objects.update_or_create(
            role=role,
            name=name,
            defaults={"last_seen": now},
            create_defaults={"started_at": now, "last_seen": now},
        )
        ProcessCheckIn.objects.filter(last_seen__lt=now - STALE_CHECK_IN).delete()
