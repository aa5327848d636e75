"""A webhook receiver (a DERMS waiting to start a curtailment): takes edrops' signed POSTs,
checks `X-Edrops-Signature` over the raw body with its secret, and answers 401 to a body that
isn't signed with it, as a careful receiver would."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import WAIT_SECONDS, FakeServer, Recorded, Reply


@dataclass
class Delivery:
    body: dict[str, Any]
    delivery_id: str
    seen: bool = False

    def __str__(self) -> str:
        return f"  {self.body.get('action')} {self.body.get('id')} ({self.body.get('status')})"


class FakeReceiver(FakeServer):
    def __init__(self, *, secret: str = "derms-shared-secret"):
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self.refused = 0  # bodies whose signature didn't match
        super().__init__()

    @property
    def hook_url(self) -> str:
        return f"{self.url}/edrops/curtail"

    def signed(self, raw: bytes) -> str:
        return "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()

    def authenticate(self, recorded: Recorded) -> Reply | None:
        given = recorded.headers.get("X-Edrops-Signature", "")
        if not hmac.compare_digest(given, self.signed(recorded.raw)):
            self.refused += 1
            return Reply(401, {"error": "bad signature"})
        return None

    def answer(self, recorded: Recorded) -> Reply:
        body = json.loads(recorded.raw)
        self.deliveries.append(Delivery(body, recorded.headers.get("X-Edrops-Delivery", "")))
        return Reply(204, "")

    def expect(
        self, *, action: str, event_id: str, timeout: float = WAIT_SECONDS
    ) -> dict[str, Any]:
        """The next unseen, correctly signed body with this action about this event."""

        def find():
            for delivery in self.deliveries:
                body = delivery.body
                if not delivery.seen and body.get("action") == action and body["id"] == event_id:
                    delivery.seen = True
                    return body
            return None

        return self.wait_for(
            find,
            timeout=timeout,
            what=f"a webhook {action} about {event_id}",
            seen=lambda: "\n".join(str(d) for d in self.deliveries),
        )

    def expect_nothing_more(self) -> None:
        unseen = [str(d) for d in self.deliveries if not d.seen]
        assert not unseen, "unexpected webhook bodies:\n" + "\n".join(unseen)
