"""An OpenADR 3 VTN on loopback, built from the OpenADR 3 OpenAPI document (3.0.1): the
endpoints a VEN uses, no more. OAuth2 client credentials at `POST /auth/token`, then with the
bearer token `GET /programs`, `GET /events?programID=`, `POST /reports`, `POST /subscriptions`.
The utility's side adds, changes and deletes events; every report a VEN posts is recorded.

    vtn = Vtn3(client_id="edrops", client_secret="s3cret")
    vtn.add_event("evt-1", starts_in=timedelta(minutes=30), kw=12_500)
    vtn.expect_report("evt-1", "optIn")
"""

import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.fakes.server import FakeServer, Recorded, Reply

PROGRAM_ID = "prog-pjm-lm"
PROGRAM_NAME = "pjm-load-management"


def now_text() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def iso_minutes(delta: timedelta) -> str:
    return f"PT{int(delta.total_seconds() // 60)}M"


class Vtn3(FakeServer):
    def __init__(self, *, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: set[str] = set()
        self.events: dict[str, dict] = {}
        self.reports: list[dict] = []
        self.subscriptions: list[dict] = []
        self.callbacks: list[tuple[str, str, object]] = []  # (operation, event id, our answer)
        self.lock = threading.Lock()
        super().__init__()

    # --- the VEN's side (the API) ---------------------------------------------------------

    def answer(self, recorded: Recorded) -> Reply:
        path = urlsplit(recorded.path).path
        if (recorded.method, path) == ("POST", "/auth/token"):
            return self._token(recorded.params)
        if not self._bearer_ok(recorded):
            return Reply(403, {"title": "Forbidden", "status": 403, "detail": "bad token"})
        query = {k: v[-1] for k, v in parse_qs(urlsplit(recorded.path).query).items()}
        with self.lock:
            if (recorded.method, path) == ("GET", "/programs"):
                return Reply(200, [self._program()])
            if (recorded.method, path) == ("GET", "/events"):
                wanted = query.get("programID")
                events = [e for e in self.events.values() if wanted in (None, e["programID"])]
                return Reply(200, events)
            if (recorded.method, path) == ("POST", "/reports"):
                report = self._object("REPORT", recorded.params)
                self.reports.append(report)
                return Reply(201, report)
            if (recorded.method, path) == ("POST", "/subscriptions"):
                subscription = self._object("SUBSCRIPTION", recorded.params)
                self.subscriptions.append(subscription)
                return Reply(201, subscription)
        return Reply(404, {"title": "Not Found", "status": 404})

    def _token(self, form: dict[str, Any]) -> Reply:
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return Reply(401, {"error": "invalid_client"})
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _bearer_ok(self, recorded: Recorded) -> bool:
        header = recorded.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def _program(self) -> dict:
        return {
            "id": PROGRAM_ID,
            "createdDateTime": "2026-01-01T00:00:00Z",
            "modificationDateTime": "2026-01-01T00:00:00Z",
            "objectType": "PROGRAM",
            "programName": PROGRAM_NAME,
        }

    def _object(self, kind: str, body: dict) -> dict:
        stamp = now_text()
        return {
            **body,
            "id": f"{kind.lower()}-{secrets.token_hex(4)}",
            "createdDateTime": stamp,
            "modificationDateTime": stamp,
            "objectType": kind,
            "clientID": self.client_id,
        }

    # --- the utility's side -----------------------------------------------------------------

    def add_event(self, event_id: str, *, starts_in: timedelta, kw: float) -> None:
        stamp = now_text()
        start = (datetime.now(UTC) + starts_in).isoformat().replace("+00:00", "Z")
        with self.lock:
            self.events[event_id] = {
                "id": event_id,
                "createdDateTime": stamp,
                "modificationDateTime": stamp,
                "objectType": "EVENT",
                "programID": PROGRAM_ID,
                "eventName": f"PJM load management {event_id}",
                "priority": 0,
                "targets": ["group-1"],
                "payloadDescriptors": [
                    {"objectType": "EVENT_PAYLOAD_DESCRIPTOR",
                     "payloadType": "IMPORT_CAPACITY_LIMIT", "units": "KW"},
                ],
                "intervalPeriod": {"start": start, "duration": "PT1H"},
                "intervals": [
                    {"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [kw]}]},
                ],
            }  # fmt: skip
        self._notify("CREATE", self.events[event_id])

    def _notify(self, operation: str, event: dict) -> None:
        """Call each subscription's callback, as a VTN does (after the change, in a thread)."""
        for subscription in list(self.subscriptions):
            for wanted in subscription.get("objectOperations") or []:
                if "EVENT" in wanted["objects"] and operation in wanted["operations"]:
                    threading.Thread(
                        target=self._call_back, args=(wanted, operation, dict(event)), daemon=True
                    ).start()

    def _call_back(self, wanted: dict, operation: str, event: dict) -> None:
        notification = {"objectType": "EVENT", "operation": operation, "object": event}
        try:
            answer = requests.post(
                wanted["callbackUrl"],
                json=notification,
                headers={"Authorization": f"Bearer {wanted.get('bearerToken') or ''}"},
                timeout=10,
            )
            self.callbacks.append((operation, event["id"], answer.status_code))
        except requests.RequestException as error:
            self.callbacks.append((operation, event["id"], str(error)))

    def modify_event(self, event_id: str, *, starts_in: timedelta) -> None:
        start = (datetime.now(UTC) + starts_in).isoformat().replace("+00:00", "Z")
        with self.lock:
            event = self.events[event_id]
            event["intervalPeriod"] = {**event["intervalPeriod"], "start": start}
            event["modificationDateTime"] = now_text()
        self._notify("UPDATE", event)

    def delete_event(self, event_id: str) -> None:
        with self.lock:
            event = self.events.pop(event_id)
        self._notify("DELETE", event)

    def opts(self, event_id: str) -> list[str]:
        with self.lock:
            return [
                r["resources"][0]["intervals"][0]["payloads"][0]["values"][0]
                for r in self.reports
                if r.get("eventID") == event_id
            ]

    def expect_report(self, event_id: str, opt: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while opt not in self.opts(event_id):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {opt} report for {event_id} (got {self.opts(event_id)}) in {timeout} s"
                )
            time.sleep(0.05)
