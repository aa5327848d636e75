"""Creating sources, their tokens, and the VTNs that OpenADR sources read from."""

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from edrops.models import RateLimitState, Source, Vtn
from edrops.models.sources import new_token
from edrops.services.silence import rearm
from rosters.models import Team


def upsert_source(
    *,
    name: str,
    team: Team,
    token: str | None = None,
    rate_limit: int | None = None,
    heartbeat_interval: timedelta | None = None,
    heartbeat_grace: timedelta | None = None,
    may_page: list[Team] | None = None,
) -> tuple[Source, str | None]:
    """Create the source (with `token`, or a new random one) or update it. Returns the source
    and the plaintext token when one was set now; None when an existing token was kept (it is
    stored hashed and cannot be shown again). Options left as None keep their current value;
    `may_page` (the teams besides its own its events may name) replaces the list."""
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(name=name).first()
        created = source is None
        heartbeat_before = None if created else (source.heartbeat_interval, source.heartbeat_grace)
        if created:
            source = Source(name=name)
            token = token or new_token()
        source.team = team
        if token is not None:
            source.set_token(token)
        if rate_limit is not None:
            source.rate_limit = rate_limit
        if heartbeat_interval is not None:
            source.heartbeat_interval = heartbeat_interval
        if heartbeat_grace is not None:
            source.heartbeat_grace = heartbeat_grace
        source.full_clean(exclude=["token_hash"])
        source.save()
        if may_page is not None:
            source.may_page.set(may_page)
        RateLimitState.objects.get_or_create(source=source)
        if heartbeat_before != (source.heartbeat_interval, source.heartbeat_grace):
            was_monitored = heartbeat_before is not None and heartbeat_before[0] is not None
            rearm(source=source, was_monitored=was_monitored, now=timezone.now())
    return source, token


def rotate_token(*, source: Source) -> str:
    """Give the source a new random token; the old one stops working at once."""
    token = new_token()
    source.set_token(token)
    source.save(update_fields=["token_hash"])
    return token


@dataclass(frozen=True)
class VtnSettings:
    """A source's VTN as `create_source`, the roster file and the admin give it."""

    protocol: str  # Vtn.Protocol
    url: str
    ven_name: str = ""
    ven_id: str = ""
    poll_interval: timedelta | None = None
    default_opt: str | None = None
    cert: str = ""
    key: str = ""
    vtn_ca: str = ""
    client_id: str = ""
    client_secret: str = ""
    program: str = ""


def connect_vtn(*, source: Source, vtn: VtnSettings) -> Vtn:
    """Make `source` read its events from a VTN (or change its VTN's settings). A source
    without a heartbeat monitor gets one every poll interval: a VTN that stops answering is a
    silent source. ValidationError for settings that can't work."""
    with transaction.atomic():
        found = Vtn.objects.filter(source=source).first() or Vtn(source=source)
        values = {k: v for k, v in dataclasses.asdict(vtn).items() if v is not None and v != ""}
        for name in ("cert", "key", "vtn_ca", "ven_id", "program"):
            values.setdefault(name, getattr(vtn, name))
        for name, value in values.items():
            setattr(found, name, value)
        found.full_clean(exclude=["source"])  # Vtn.clean: what can't work
        found.save()
        if source.heartbeat_interval is None:
            source.heartbeat_interval = found.poll_interval
            source.save(update_fields=["heartbeat_interval"])
            rearm(source=source, was_monitored=False, now=timezone.now())
    return found
