"""A fake PagerDuty: the Events API v2 (`POST /v2/enqueue`) that edrops' real `pagerduty`
client talks to, with the incidents it opens, and the people on its side acknowledging and
resolving them, which PagerDuty tells edrops with signed v3 webhooks.

It answers as PagerDuty does: 202 `{"status": "success", "message": "Event processed",
"dedup_key": ...}`; 400 `{"status": "invalid event", ...}` for a routing key it doesn't know or
an event missing what its action needs; 429 when rate limited (on demand)."""

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.fakes.server import WAIT_SECONDS, FakeServer, Recorded, Reply

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
# Two services: grid-ops' own, and one whose key edrops is never given.
ROUTING_KEY = "R0GRIDOPS0000000000000000000001a"
OTHER_KEY = "R0OTHER000000000000000000000002b"


@dataclass
class PagerDutyEvent:
    """One event the Events API accepted."""

    routing_key: str
    action: str
    dedup_key: str
    body: dict[str, Any]
    seen: bool = False

    def __str__(self) -> str:
        summary = self.body.get("payload", {}).get("summary", "")
        return f"  {self.action} {self.dedup_key} on …{self.routing_key[-4:]} {summary!r}"


@dataclass
class Incident:
    routing_key: str
    dedup_key: str
    summary: str
    status: str = "triggered"
    log: list[str] = field(default_factory=list)


class FakePagerDuty(FakeServer):
    """Point PAGERDUTY_EVENTS_URL at `.url`; `public_base_url` is where edrops answers its
    webhooks (`/hooks/pagerduty`), signed with `webhook_secret`."""

    def __init__(self, *, public_base_url: str = "", webhook_secret: str = "fake-pd-secret"):
        self.public_base_url = public_base_url.rstrip("/")
        self.webhook_secret = webhook_secret
        self.routing_keys = {ROUTING_KEY}
        self.events: list[PagerDutyEvent] = []
        self.incidents: dict[str, Incident] = {}  # by dedup_key
        super().__init__()

    # --- the Events API v2 -----------------------------------------------------------------

    def answer(self, recorded: Recorded) -> Reply:
        if recorded.method != "POST" or recorded.path != "/v2/enqueue":
            return Reply(404, {"status": "not found"})
        body = recorded.params
        errors = self.problems(body)
        if errors:
            return Reply(
                400,
                {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
            )
        action = body["event_action"]
        dedup_key = body.get("dedup_key") or uuid.uuid4().hex
        self.events.append(PagerDutyEvent(body["routing_key"], action, dedup_key, body))
        self.apply(body["routing_key"], action, dedup_key, body)
        return Reply(
            202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        )

    def problems(self, body: dict[str, Any]) -> list[str]:
        key = body.get("routing_key")
        if not isinstance(key, str) or len(key) != 32:
            return ["Length of 'routing_key' is incorrect (should be 32 characters)"]
        if key not in self.routing_keys:
            return ["Invalid routing key"]
        action = body.get("event_action")
        if action not in ACTIONS:
            return ["'event_action' is invalid (must be one of: trigger, acknowledge, resolve)"]
        if action != "trigger":
            return [] if body.get("dedup_key") else ["'dedup_key' is missing or blank"]
        payload = body.get("payload") or {}
        errors = [
            f"'payload.{k}' is missing or blank"
            for k in ("summary", "source")
            if not payload.get(k)
        ]
        if payload.get("severity") not in SEVERITIES:
            errors.append("'payload.severity' is invalid")
        if len(payload.get("summary", "")) > 1024:
            errors.append("'payload.summary' is too long")
        return errors

    def apply(self, routing_key: str, action: str, dedup_key: str, body: dict[str, Any]) -> None:
        """As PagerDuty: a trigger opens an incident unless one is open under the key; an
        acknowledge or resolve for a key with no open incident is dropped."""
        incident = self.incidents.get(dedup_key)
        if action == "trigger":
            if incident is None or incident.status == "resolved":
                summary = body["payload"]["summary"]
                self.incidents[dedup_key] = Incident(routing_key, dedup_key, summary)
            return
        if incident is None or incident.status == "resolved":
            return
        incident.status = {"acknowledge": "acknowledged", "resolve": "resolved"}[action]
        incident.log.append(action)

    def rate_limit_next(self, *, retry_after: int | None = None, times: int = 1) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.inject(Reply(429, {"status": "throttle exceeded"}, headers), times)

    def fail_next(self, times: int = 1, *, status: int = 500) -> None:
        self.inject(Reply(status, {"status": "unavailable"}), times)

    # --- what it was sent ---------------------------------------------------------------------

    def expect_event(
        self, *, action: str, dedup_key: str, timeout: float = WAIT_SECONDS
    ) -> PagerDutyEvent:
        """The next unseen accepted event with this action and dedup_key."""

        def find():
            for event in self.events:
                if not event.seen and event.action == action and event.dedup_key == dedup_key:
                    event.seen = True
                    return event
            return None

        return self.wait_for(
            find,
            timeout=timeout,
            what=f"PagerDuty {action} {dedup_key}",
            seen=lambda: "\n".join(str(e) for e in self.events),
        )

    def incident(self, dedup_key: str) -> Incident:
        return self.incidents[dedup_key]

    def expect_nothing_more(self) -> None:
        unseen = [str(e) for e in self.events if not e.seen]
        assert not unseen, "unexpected PagerDuty events:\n" + "\n".join(unseen)

    # --- the people on PagerDuty's side -------------------------------------------------------

    def webhook(
        self,
        event_type: str,
        dedup_key: str,
        *,
        agent: str = "Tenex Engineer",
        webhook_id: str | None = None,
        secret: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A v3 webhook body about the incident under `dedup_key`, and its headers, signed as
        PagerDuty signs (two signatures: an old secret's, then ours, as during a rotation)."""
        incident = self.incidents.get(dedup_key)
        body = {
            "event": {
                "id": webhook_id or str(uuid.uuid4()),
                "event_type": event_type,
                "resource_type": "incident",
                "occurred_at": "2026-07-14T17:16:02.169Z",
                "agent": {
                    "html_url": "https://acme.pagerduty.com/users/PLH1HKV",
                    "id": "PLH1HKV",
                    "self": "https://api.pagerduty.com/users/PLH1HKV",
                    "summary": agent,
                    "type": "user_reference",
                },
                "client": None,
                "data": {
                    "id": "PGR0VU2",
                    "type": "incident",
                    "self": "https://api.pagerduty.com/incidents/PGR0VU2",
                    "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
                    "number": 2,
                    "status": event_type.removeprefix("incident."),
                    "incident_key": dedup_key,
                    "created_at": "2026-07-14T17:15:27Z",
                    "title": incident.summary if incident else "A little bump in the road",
                    "service": {
                        "id": "PF9KMXH",
                        "summary": "Grid Operations",
                        "type": "service_reference",
                    },
                    "urgency": "high",
                    "resolve_reason": None,
                },
            }
        }
        raw = json.dumps(body).encode()
        signatures = [
            sign(raw, "an-old-secret-being-rotated"),
            sign(raw, secret or self.webhook_secret),
        ]
        return raw, {
            "Content-Type": "application/json",
            "X-PagerDuty-Signature": ",".join(signatures),
        }

    def acknowledge(self, dedup_key: str, *, agent: str = "Tenex Engineer") -> requests.Response:
        """Someone acknowledges the incident in PagerDuty; PagerDuty tells edrops."""
        self.incidents[dedup_key].status = "acknowledged"
        return self.deliver(*self.webhook("incident.acknowledged", dedup_key, agent=agent))

    def resolve(self, dedup_key: str, *, agent: str = "Tenex Engineer") -> requests.Response:
        self.incidents[dedup_key].status = "resolved"
        return self.deliver(*self.webhook("incident.resolved", dedup_key, agent=agent))

    def deliver(self, raw: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(
            f"{self.public_base_url}/hooks/pagerduty", data=raw, headers=headers, timeout=10
        )


def sign(raw: bytes, secret: str) -> str:
    return "v1=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
