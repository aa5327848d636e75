"""Reads about sources."""

import hmac

from edrops.models import Source
from edrops.models.sources import hash_token


def source_for_token(*, token: str) -> Source | None:
    """The source this token belongs to: one indexed lookup on the token's SHA-256."""
    if not token:
        return None
    digest = hash_token(token)
    source = Source.objects.select_related("team").filter(token_hash=digest).first()
    # The index found the row; compare in constant time anyway, so no code path's timing
    # depends on how much of a guessed token was right.
    if source is None or not hmac.compare_digest(source.token_hash, digest):
        return None
    return source
