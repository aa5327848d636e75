"""Our own processes: workers and the clock check in (the rows /readyz and the dashboard read),
and the clock pings a dead man's switch while edrops can page.

The top complaint about self-hosted alerting is "no alerts because the alert sender wasn't
running". /readyz covers a load balancer; the dead man's switch covers the case where nobody
polls us: the clock GETs `EDROPS_HEARTBEAT_URL` (Healthchecks.io, Dead Man's Snitch,
Cronitor...) every `EDROPS_HEARTBEAT_INTERVAL` seconds, but only while a worker has checked in
within LIVENESS_TIMEOUT. So the outside monitor alarms when the clock dies (nobody pings), when
every worker dies (the clock stops pinging), and when the database is gone.
"""

import logging
import os
import socket
import threading
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings

from edrops.models import ProcessCheckIn
from edrops.selectors.processes import readiness

logger = logging.getLogger(__name__)

# A process that has not checked in for this long is gone for good; its row only clutters.
STALE_CHECK_IN = timedelta(days=1)
PING_TIMEOUT = 10.0  # seconds; the request runs in its own thread, never in the tick


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


# --- The dead man's switch -------------------------------------------------------------------


class _Switch:
    """Per clock process: when the next ping is due, and the ping in flight, if any."""

    next_at: datetime | None = None
    in_flight: threading.Thread | None = None


_switch = _Switch()


def ping_dead_mans_switch(*, now: datetime) -> int:
    """Start a ping if one is due and edrops can page; returns 1 when one was started.

    Costs the tick nothing most seconds (a comparison), and one /readyz-like read once per
    interval; the HTTP request runs in a daemon thread so a slow monitor never delays a tick."""
    url = settings.EDROPS_HEARTBEAT_URL
    if not url or (_switch.next_at is not None and now < _switch.next_at):
        return 0
    if _switch.in_flight is not None and _switch.in_flight.is_alive():
        return 0  # the last one still hangs: don't pile up threads behind a dead monitor
    _switch.next_at = now + timedelta(seconds=settings.EDROPS_HEARTBEAT_INTERVAL)
    ready = readiness(now=now)
    if not ready.database or ProcessCheckIn.Role.WORKER in ready.missing:
        logger.warning(
            "not pinging the dead man's switch: no worker seen since %s",
            ready.last_seen.get(ProcessCheckIn.Role.WORKER),
        )
        return 0
    _switch.in_flight = threading.Thread(
        target=_ping, args=(url,), name="dead-mans-switch", daemon=True
    )
    _switch.in_flight.start()
    return 1


def _ping(url: str) -> None:
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "edrops-heartbeat"})  # noqa: S310 -- the operator's URL
        with urllib.request.urlopen(request, timeout=PING_TIMEOUT) as response:  # noqa: S310
            response.read(1024)
    except Exception as error:
        logger.warning(
            "dead man's switch ping to %s failed: %s", redact_url(url), scrub(str(error), url)
        )


def redact_url(url: str) -> str:
    """The ping URL as logs may show it: scheme and host only. Its path (Healthchecks' UUID, a
    Snitch's token) is the credential: whoever has it can ping for us and hide an outage."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/<redacted>"


def scrub(text: str, url: str) -> str:
    """`text` (an error message) without any secret part of `url` in it."""
    parts = urllib.parse.urlsplit(url)
    secrets = [url, parts.path.strip("/"), parts.query, parts.username or "", parts.password or ""]
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "<redacted>")
    return text
