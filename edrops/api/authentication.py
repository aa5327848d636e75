"""Integrations authenticate as a Source, never as a user: a source token can send events for
its source and read nothing (people's endpoints use Token and session auth only, so a source
token there is simply not a credential: 401). People's tokens are knox's
(edrops/services/api_tokens.py). Every token that fails counts against the client's address
(edrops/services/api_lockout.py)."""

import math
from contextlib import contextmanager

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from edrops import selectors, services
from edrops.client_address import client_address
from edrops.models import Source


class LockedOut(exceptions.Throttled):
    """429 with Retry-After: this address has sent too many credentials that failed."""


@contextmanager
def locking_out_failures(request):
    """Around a credential check: one that fails counts against the client's address; from
    the limit on, the answer is 429 (LockedOut) instead of 401."""
    try:
        yield
    except exceptions.AuthenticationFailed:
        wait = services.record_api_auth_failure(address=client_address(request), now=timezone.now())
        if wait is not None:
            raise LockedOut(
                wait,
                detail="Too many failed credentials from your address: each one that fails "
                f"is refused like this until {round(wait / 60)} minutes after the last. A "
                "valid token still works; staff can unlock the address in the admin.",
            ) from None
        raise


class PersonTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`: a person's knox token (hashed, expiring)."""

    def authenticate(self, request):
        with locking_out_failures(request):
            return super().authenticate(request)

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("ascii")  # knox's own decode would answer 500 to other bytes
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)


class SourcePrincipal:
    """What `request.user` is for an integration: authenticated, but nobody."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False

    def __init__(self, source: Source):
        self.source = source

    def __str__(self) -> str:
        return f"source:{self.source.name}"


def authenticate_source_token(token: str) -> tuple[SourcePrincipal, Source]:
    source = selectors.source_for_token(token=token)
    if source is None:
        raise exceptions.AuthenticationFailed("Unknown source token.")
    return SourcePrincipal(source), source


class SourceAuthentication(BaseAuthentication):
    """How an integration names its source (edrops.api.ingest.IngestView)."""

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without a credential.
        return 'Bearer realm="edrops sources"'

    def without_credential(self, body: bytes) -> bytes:
        """The body as it may be kept with a rejected message: all of it, unless the
        credential travels in it."""
        return body


class CredentialNotFound(exceptions.ParseError):
    """400: the body that carries the credential (PagerDuty's `routing_key`) has none, or
    can't be read to find it. Its sender is as unknown as one without a token."""


class SourceTokenAuthentication(SourceAuthentication):
    """`Authorization: Bearer <source token>`."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        with locking_out_failures(request):
            if len(parts) != 2:
                raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <source token>'.")
            try:
                token = parts[1].decode("ascii")
            except UnicodeDecodeError:
                raise exceptions.AuthenticationFailed("Unknown source token.") from None
            return authenticate_source_token(token)


class IsSource(BasePermission):
    message = "Send a source token: 'Authorization: Bearer <source token>'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Source)


class IsPerson(BasePermission):
    """A logged-in person (token or session); never a source."""

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and not isinstance(request.auth, Source)
        )


class CountsUnauthenticated:
    """For a source's endpoints (APIView mixin): a request without a valid source token is
    counted and logged (services.count_unauthenticated), and its body is never read or kept."""

    def is_ingest(self, request) -> bool:
        return True

    def unauthenticated_integration(self) -> str | None:
        """The integration whose events this endpoint receives (None: not events, such as
        heartbeats): an unknown sender's request counts in edrops_events_received_total too."""
        return None

    def handle_exception(self, exc):
        refused = (
            exceptions.NotAuthenticated
            | exceptions.AuthenticationFailed
            | CredentialNotFound
            | LockedOut
        )
        if isinstance(exc, refused) and self.is_ingest(self.request):
            services.count_unauthenticated(
                endpoint=self.request.path,
                remote_addr=client_address(self.request),
                integration=self.unauthenticated_integration(),
                outcome=400 if isinstance(exc, CredentialNotFound) else 401,
            )
        return super().handle_exception(exc)


class SourceRateThrottle(BaseThrottle):
    """The source's own events-per-minute limit, kept in the database (see rate_limit.py).
    `cost` events at once (1 a request, unless the view counts them itself)."""

    def __init__(self, cost: int = 1):
        self.cost = cost

    def allow_request(self, request, view) -> bool:
        decision = services.take_rate_limit_slot(
            source=request.auth, now=timezone.now(), cost=self.cost
        )
        self.retry_after = decision.retry_after
        return decision.allowed

    def wait(self) -> float:
        return max(1, math.ceil(self.retry_after))


class SourceTokenScheme(OpenApiAuthenticationExtension):
    target_class = SourceTokenAuthentication
    name = "sourceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The source's token (`manage.py create_source`).",
        }


class PersonTokenScheme(OpenApiAuthenticationExtension):
    """Named as DRF's token scheme was, so the schema's security names don't change."""

    target_class = PersonTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 -- the header's keyword, not a secret
        )
