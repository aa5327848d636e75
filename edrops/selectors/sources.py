"""Reads about sources."""

import hmac
import time

from edrops.models import Source
from edrops.models.sources import MANUAL_SOURCE, hash_token

# Every request from an integration authenticates, and sources change rarely: each process
# keeps the sources it has read for this long. Its own edits (admin, commands, the heartbeat
# monitor) clear them at once (see apps.py); another process's are seen within this time, so a
# replaced token, a new rate limit or a new team takes up to this long to reach every process.
# One instance serves concurrent requests; only record_life writes to it (its last sign of life,
# which only moves forward).
SOURCE_CACHE_SECONDS = 5.0

_by_digest: dict[str, tuple[float, Source]] = {}


def source_for_token(*, token: str) -> Source | None:
    """The source this token belongs to, with its team and the team's policy (a new event's
    default respond_by needs its ack_sla): one indexed lookup on the token's SHA-256, at most
    once every SOURCE_CACHE_SECONDS per process."""
    if not token:
        return None
    digest = hash_token(token)
    cached = _by_digest.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    found = (
        Source.objects.select_related("team__escalation_policy")
        .filter(token_hash=digest)
        .exclude(name=MANUAL_SOURCE)  # even if someone gave it a token in the admin
    )
    source = found.first()
    # The index found the row; compare in constant time anyway, so no code path's timing
    # depends on how much of a guessed token was right.
    if source is None or not hmac.compare_digest(source.token_hash, digest):
        return None
    _by_digest[digest] = (time.monotonic() + SOURCE_CACHE_SECONDS, source)
    return source


def forget_sources(**_) -> None:
    """Drop every cached source (a signal receiver: any source, team or policy was saved)."""
    _by_digest.clear()
