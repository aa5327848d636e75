"""Creating sources and their tokens."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from edrops.models import RateLimitState, Source
from edrops.models.sources import new_token
from edrops.services.silence import rearm
from rosters.models import Team
from rosters.validators import parse_duration


def upsert_source(
    *,
    name: str,
    team: Team,
    token: str | None = None,
    rate_limit: int | None = None,
    heartbeat_interval: timedelta | None = None,
    heartbeat_grace: timedelta | None = None,
) -> tuple[Source, str | None]:
    """Create the source (with `token`, or a new random one) or update it. Returns the source
    and the plaintext token when one was set now; None when an existing token was kept (it is
    stored hashed and cannot be shown again). Options left as None keep their current value."""
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
class SourceChange:
    name: str
    outcome: str  # "created" | "updated" | "unchanged"
    token: str | None  # the new source's token, shown this once


def load_roster_sources(*, entries: list[dict]) -> list[SourceChange]:
    """Upsert the `sources:` of a roster file (already checked: names unique, teams exist,
    durations valid). Idempotent: an entry that matches what is stored changes nothing. As in
    the rest of the file, a key left out (`heartbeat`) leaves the stored value alone."""
    teams = Team.objects.in_bulk([e["team"] for e in entries], field_name="slug")
    existing = Source.objects.in_bulk([e["name"] for e in entries], field_name="name")
    changes = []
    for entry in entries:
        heartbeat = entry.get("heartbeat") or {}
        wanted = {"team": teams[entry["team"]]}
        if "interval" in heartbeat:
            wanted["heartbeat_interval"] = parse_duration(heartbeat["interval"])
        if heartbeat.get("grace") is not None:
            wanted["heartbeat_grace"] = parse_duration(heartbeat["grace"])
        source = existing.get(entry["name"])
        if source and all(getattr(source, k) == v for k, v in wanted.items()):
            changes.append(SourceChange(entry["name"], "unchanged", None))
            continue
        _, token = upsert_source(name=entry["name"], **wanted)
        changes.append(SourceChange(entry["name"], "updated" if source else "created", token))
    return changes
