"""PagerDuty through its Events API v2, with PagerDuty's own client (`pagerduty`) pointed at
PAGERDUTY_EVENTS_URL: a trigger opens an incident on the service whose routing key the step
names, an acknowledge or resolve (same dedup key, our event's id) follows ours.

The client's own retries are turned off: it sleeps in the worker between them (and without end
on a 429), where every retry should be ours, spaced by the delivery task and logged. So one
attempt goes out, and its answer is ours to judge: a 2xx is sent, 429 and 5xx are tried again
(after Retry-After when given), any other answer (400 "invalid routing key") is permanent.
"""

from urllib.parse import urlsplit

import httpx2
import pagerduty
from django.conf import settings

from notifications.channels.base import Sent, TransportError, refused
from notifications.models import Notification, shown_destination

# The client refuses any base URL but https://. A local stand-in (a fake in tests, a relay on
# the same machine) may speak plain HTTP on loopback; nothing else may, as the routing key
# travels in the body.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Answered(Exception):
    """PagerDuty answered something other than success: the client must not retry it."""

    def __init__(self, response: httpx2.Response):
        super().__init__(response.status_code)
        self.response = response


class OneAttempt(httpx2.BaseTransport):
    """Sends each request once and hands back any non-2xx answer as `Answered` (which the
    client's retry loop doesn't catch); plain HTTP to a loopback PAGERDUTY_EVENTS_URL."""

    def __init__(self, *, plain_http: bool):
        self.inner = httpx2.HTTPTransport()
        self.plain_http = plain_http

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.plain_http:
            request.url = request.url.copy_with(scheme="http")
        response = self.inner.handle_request(request)
        if not 200 <= response.status_code < 300:
            response.read()
            raise Answered(response)
        return response

    def close(self) -> None:
        self.inner.close()


def client(routing_key: str) -> pagerduty.EventsApiV2Client:
    url = settings.PAGERDUTY_EVENTS_URL.rstrip("/")
    parts = urlsplit(url)
    plain_http = parts.scheme == "http" and parts.hostname in LOOPBACK
    events = pagerduty.EventsApiV2Client(
        routing_key,
        base_url=parts._replace(scheme="https").geturl() if plain_http else url,
        transport=OneAttempt(plain_http=plain_http),
    )
    events.timeout = settings.PROVIDER_TIMEOUT
    events.max_network_attempts = 0  # a refused connection: ours to retry
    return events


def send(notification: Notification) -> Sent:
    content = notification.content
    action, dedup_key = content["action"], notification.reference
    where = shown_destination(notification.channel, notification.destination)
    try:
        with client(notification.destination) as events:
            if action == "trigger":
                answered_key = events.trigger(
                    content["summary"],
                    content["source"],
                    dedup_key=dedup_key,
                    severity=content["severity"],
                    payload=content.get("payload"),
                    custom_details=content.get("custom_details"),
                    links=content.get("links"),
                )
            elif action == "acknowledge":
                answered_key = events.acknowledge(dedup_key)
            else:
                answered_key = events.resolve(dedup_key)
    except Answered as answer:
        raise as_transport_error(answer.response, where=where) from None
    except pagerduty.UrlError as error:
        raise TransportError(f"{where}: {error}", permanent=True) from None
    except (pagerduty.Error, httpx2.HTTPError, OSError) as error:
        # Unreachable, timed out, or a 2xx without a dedup_key: worth another try.
        raise TransportError(f"{where} unreachable: {type(error).__name__}") from None
    return Sent(provider_id=str(answered_key)[:64], detail=f"{where}: {action}")


def as_transport_error(response: httpx2.Response, *, where: str) -> TransportError:
    """PagerDuty's answer in words, never with the request (it carries the routing key)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    said = body.get("message", "") if isinstance(body, dict) else ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        said = f"{said}: {'; '.join(str(e) for e in errors[:3])}" if said else "; ".join(errors)
    message = f"{where} HTTP {status}" + (f" {said}"[:300] if said else "")
    return refused(message, status=status, retry_after=response.headers.get("Retry-After"))
