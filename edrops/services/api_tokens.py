"""People's API tokens (`Authorization: Token <key>`), kept by django-rest-knox.

Why knox and not DRF's authtoken with a hash bolted on: knox (Jazzband, in use for a decade)
already stores only a SHA-512 digest of each token, gives every token an expiry, lets a person
hold several (one per script, each revoked on its own) and compares digests in constant time;
DRF's authtoken keeps the key in plain text, one per user, forever, and hashing it ourselves
would mean owning that security code. Knox's tokens are 64 hex characters (256 random bits).

`manage.py drf_create_token USERNAME` (our command, replacing DRF's) makes one and prints it
once, in DRF's words; tokens made with DRF before were moved into knox, hashed, by the
migration `edrops.0011_hash_person_tokens`.
"""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from knox.models import AuthToken
from knox.settings import knox_settings


def create_api_token(
    *, user: AbstractBaseUser, expires_in: timedelta | None = None, revoke_others: bool = False
) -> tuple[AuthToken, str]:
    """A new token for `user`: the stored row and the token itself, shown once and never
    again. It expires after `expires_in`, by default API_TOKEN_TTL (`timedelta(0)`: never)."""
    if expires_in is None:
        expires_in = knox_settings.TOKEN_TTL
    elif not expires_in:
        expires_in = None
    if revoke_others:
        AuthToken.objects.filter(user=user).delete()
    return AuthToken.objects.create(user=user, expiry=expires_in)


def own_api_tokens(*, user: AbstractBaseUser) -> list[AuthToken]:
    """A login's tokens, newest first, as its profile lists them: the first characters of each
    (knox's `token_key`, all that is kept besides the digest), made when, expiring when."""
    return list(AuthToken.objects.filter(user=user).order_by("-created"))


def revoke_own_api_token(*, user: AbstractBaseUser, token_key: str) -> bool:
    """Revoke one of `user`'s own tokens; another login's token is never touched."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)
