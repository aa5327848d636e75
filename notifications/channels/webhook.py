"""A signed webhook (`webhook:NAME`; its URL and secret in WEBHOOKS): the body the engine
rendered (the event as the API shows it, and the action) POSTed as JSON, with
`X-Edrops-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>` so the
receiver (a DERMS starting a curtailment) knows it came from us, and `X-Edrops-Delivery`, the
same for every attempt of one message, so it can drop the duplicate an at-least-once delivery
may bring."""

import hashlib
import hmac
import json

import requests
from django.conf import settings

from notifications.channels.base import Sent, TransportError, refused
from notifications.models import Notification, shown_destination

SIGNATURE_HEADER = "X-Edrops-Signature"
DELIVERY_HEADER = "X-Edrops-Delivery"


def sign(body: bytes, *, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(notification: Notification) -> Sent:
    name = notification.destination
    where = shown_destination(notification.channel, name)
    hook = settings.WEBHOOKS.get(name)
    if not isinstance(hook, dict) or not hook.get("url") or not hook.get("secret"):
        raise TransportError(
            f"{where}: WEBHOOKS has no url and secret for {name!r}", permanent=True
        )
    body = json.dumps(notification.content["body"], separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "edrops",
        SIGNATURE_HEADER: sign(body, secret=hook["secret"]),
        DELIVERY_HEADER: str(notification.pk),
    }
    try:
        response = requests.post(
            hook["url"],
            data=body,
            headers=headers,
            timeout=settings.PROVIDER_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise TransportError(f"{where} unreachable: {type(error).__name__}") from None
    status = response.status_code
    if 200 <= status < 300:
        action = notification.content.get("action", "")
        return Sent(provider_id=str(notification.pk), detail=f"{where}: {action}")
    # 429 waits, a 5xx is tried again; a redirect or a 401 (a wrong secret) is permanent.
    raise refused(
        f"{where} HTTP {status}", status=status, retry_after=response.headers.get("Retry-After")
    )
