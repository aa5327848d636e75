"""The Twilio REST client, pointed at TWILIO_API_URL, and what its errors mean for a retry."""

import functools

from django.conf import settings
from django.urls import reverse
from requests import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.channels.base import TransportError
from notifications.models import Notification

# Errors that no retry will fix: a bad or unreachable number, an opted-out recipient, a
# misconfigured account. https://www.twilio.com/docs/api/errors
PERMANENT_CODES = {
    20003: "authentication failed",
    21211: "invalid number",
    21214: "number cannot be reached",
    21217: "invalid number",
    21408: "region not enabled",
    21606: "sender cannot send SMS",
    21610: "recipient replied STOP",
    21612: "cannot route to this number",
    21614: "not a mobile number",
}


def client() -> Client:
    return _client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_URL.rstrip("/"),
        settings.PROVIDER_TIMEOUT,
    )


@functools.lru_cache(maxsize=4)
def _client(account_sid: str, auth_token: str, api_url: str, timeout: float) -> Client:
    """One client per process (per credentials): its HTTP session keeps the connection to
    Twilio open, so a page after the first skips the TCP and TLS handshakes (~0.1 s or more
    to api.twilio.com). A connection Twilio closed while idle is replaced by the next call."""
    twilio = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    # Messages and Calls live on the `api` domain; its base URL is the one thing to move for
    # a local fake or a proxy (the SDK has no setting for it).
    twilio.api.base_url = api_url
    return twilio


def callback_url(name: str, notification: Notification) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"notifications:{name}", args=[notification.pk])


def call_twilio(create, **params) -> str:
    """Run one create() and translate failures; returns the new resource's SID."""
    try:
        return create(**params).sid
    except TwilioRestException as error:
        code = error.code or 0
        if error.status >= 500:
            raise TransportError(f"twilio HTTP {error.status}") from error
        permanent = code in PERMANENT_CODES or error.status != 429
        what = PERMANENT_CODES.get(code) or error.msg
        raise TransportError(
            f"twilio {code or error.status} {what}", permanent=permanent
        ) from error
    except RequestException as error:
        raise TransportError(f"twilio unreachable: {error.__class__.__name__}") from error
