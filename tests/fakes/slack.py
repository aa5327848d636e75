"""A fake Slack Web API (chat.postMessage, chat.update, chat.postEphemeral) and the people
clicking its buttons."""

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from tests.fakes.server import WAIT_SECONDS, FakeServer, Recorded, Reply

_ts = itertools.count(1)

# Slack's own limits (Block Kit reference): what it answers `invalid_blocks` to.
SECTION_TEXT_MAX = 3000
BLOCKS_MAX = 50
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
TEXT_MAX = 40000  # `text` over this: msg_too_long


def block_errors(blocks: list[dict[str, Any]]) -> list[str]:
    """What Slack says is wrong with `blocks`, in its words, with JSON pointers."""
    errors = []
    if len(blocks) > BLOCKS_MAX:
        errors.append(f"no more than {BLOCKS_MAX} items allowed [json-pointer:/blocks]")
    for i, block in enumerate(blocks):
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and not 1 <= len(text) <= SECTION_TEXT_MAX:
            errors.append(
                f"must be less than {SECTION_TEXT_MAX + 1} characters "
                f"[json-pointer:/blocks/{i}/text/text]"
            )
        for j, element in enumerate(block.get("elements", [])):
            where = f"/blocks/{i}/elements/{j}"
            if len(element.get("text", {}).get("text", "")) > BUTTON_TEXT_MAX:
                errors.append(f"must be less than 76 characters [json-pointer:{where}/text/text]")
            if len(element.get("value", "")) > BUTTON_VALUE_MAX:
                errors.append(f"must be less than 2001 characters [json-pointer:{where}/value]")
    return errors


def refusal(text: str, blocks: list[dict[str, Any]]) -> Reply | None:
    """Slack's answer to a message it won't take (HTTP 200, ok: false), or None."""
    if errors := block_errors(blocks):
        return Reply(
            200,
            {
                "ok": False,
                "error": "invalid_blocks",
                "errors": errors,
                "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
            },
        )
    if len(text) > TEXT_MAX:
        return Reply(200, {"ok": False, "error": "msg_too_long"})
    return None


@dataclass
class SlackPost:
    channel: str  # where it landed: C… for a channel, D… for a DM
    to: str  # what the poster asked for (C… or U…)
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    seen: bool = False
    updates: list[str] = field(default_factory=list)
    thread_ts: str = ""  # a reply in this message's thread

    def button(self, action_id: str | None = None) -> dict[str, Any]:
        for block in self.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "button" and action_id in (None, element["action_id"]):
                    return element
        raise AssertionError(f"no button in {self.blocks}")

    def __str__(self) -> str:
        return f"  Slack to {self.to}: {self.text!r}" + (
            f" (updated: {self.updates})" if self.updates else ""
        )


class FakeSlack(FakeServer):
    """Point SLACK_API_URL at `.api_url`; `public_base_url` is where edrops answers webhooks."""

    def __init__(
        self,
        *,
        public_base_url: str,
        token: str = "xoxb-fake-token",
        signing_secret: str = "fake-slack-signing-secret",
    ):
        self.public_base_url = public_base_url.rstrip("/")
        self.token = token
        self.signing_secret = signing_secret
        self.posts: list[SlackPost] = []
        self.ephemeral: list[SlackPost] = []  # `to` is the one user who sees it
        super().__init__()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    # --- the Web API -------------------------------------------------------------------------

    def authenticate(self, recorded: Recorded) -> Reply | None:
        if recorded.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        return None

    def answer(self, recorded: Recorded) -> Reply:
        method = recorded.path.split("?")[0].removeprefix("/api/")
        p = recorded.params
        if method == "chat.postMessage":
            to = p["channel"]
            channel = "D" + to[1:] if to.startswith("U") else to
            ts = f"{int(time.time())}.{next(_ts):06d}"
            blocks = (
                json.loads(p["blocks"]) if isinstance(p.get("blocks"), str) else p.get("blocks", [])
            )
            if refused := refusal(p.get("text", ""), blocks):
                return refused
            self.posts.append(
                SlackPost(
                    channel, to, ts, p.get("text", ""), blocks, thread_ts=p.get("thread_ts", "")
                )
            )
            return Reply(
                200,
                {
                    "ok": True,
                    "channel": channel,
                    "ts": ts,
                    "message": {
                        "type": "message",
                        "text": p.get("text", ""),
                        "ts": ts,
                        "user": "U0EDROPSBOT",
                        "bot_id": "B0EDROPS",
                        "blocks": blocks,
                    },
                },
            )
        if method == "chat.update":
            post = next(
                (m for m in self.posts if m.channel == p["channel"] and m.ts == p["ts"]), None
            )
            if post is None:
                return Reply(200, {"ok": False, "error": "message_not_found"})
            blocks = p.get("blocks", [])
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            if refused := refusal(p.get("text", ""), blocks):
                return refused
            post.updates.append(p.get("text", ""))
            if "blocks" in p:  # like Slack, the message is now what the update says
                post.blocks = blocks
            return Reply(
                200, {"ok": True, "channel": post.channel, "ts": post.ts, "text": p.get("text", "")}
            )
        if method == "chat.postEphemeral":
            ts = f"{int(time.time())}.{next(_ts):06d}"
            self.ephemeral.append(SlackPost(p["channel"], p["user"], ts, p.get("text", ""), []))
            return Reply(200, {"ok": True, "message_ts": ts})
        return Reply(200, {"ok": False, "error": "unknown_method"})

    # --- faults -------------------------------------------------------------------------------

    def fail_next(self, times: int = 1, *, error: str = "", status: int = 500) -> None:
        """`error="channel_not_found"`: Slack's ok=false answer; else an HTTP `status` page."""
        reply = (
            Reply(200, {"ok": False, "error": error})
            if error
            else Reply(status, "<html>Internal Server Error</html>")
        )
        self.inject(reply, times)

    def rate_limit_next(self, *, retry_after: int = 30, times: int = 1) -> None:
        self.inject(
            Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}),
            times,
        )

    # --- what was posted ------------------------------------------------------------------------

    def _sent(self) -> str:
        return "\n".join(f"{'  (seen)' if m.seen else ''}{m}" for m in self.posts)

    def expect_message(
        self, *, to: str, containing: str = "", timeout: float = WAIT_SECONDS
    ) -> SlackPost:
        """The next unseen post to channel or user `to` whose text contains `containing`."""
        return self._expect(self.posts, "a Slack message", to, containing, timeout)

    def expect_ephemeral(
        self, *, to: str, containing: str = "", timeout: float = WAIT_SECONDS
    ) -> SlackPost:
        """The next unseen message only user `to` sees, containing `containing`."""
        return self._expect(self.ephemeral, "an ephemeral Slack message", to, containing, timeout)

    def _expect(
        self, posts: list[SlackPost], kind: str, to: str, containing: str, timeout: float
    ) -> SlackPost:
        def find():
            for post in posts:
                if not post.seen and post.to == to and containing in post.text:
                    post.seen = True
                    return post
            return None

        return self.wait_for(
            find,
            timeout=timeout,
            what=f"{kind} to {to} containing {containing!r}",
            seen=lambda: "\n".join(f"{'  (seen)' if m.seen else ''}{m}" for m in posts),
        )

    def expect_update(
        self, post: SlackPost, *, containing: str, timeout: float = WAIT_SECONDS
    ) -> str:
        return self.wait_for(
            lambda: next((u for u in post.updates if containing in u), None),
            timeout=timeout,
            what=f"an update of {post.ts} containing {containing!r}",
            seen=self._sent,
        )

    def expect_nothing_more(self) -> None:
        unseen = [str(m) for m in self.posts if not m.seen]
        assert not unseen, "unexpected Slack messages:\n" + "\n".join(unseen)

    # --- the person clicking ----------------------------------------------------------------------

    def signed_post(
        self, body: str, *, timestamp: int | None = None, secret: str | None = None
    ) -> requests.Response:
        timestamp = int(time.time()) if timestamp is None else timestamp
        base = f"v0:{timestamp}:{body}".encode()
        signature = (
            "v0="
            + hmac.new((secret or self.signing_secret).encode(), base, hashlib.sha256).hexdigest()
        )
        return requests.post(
            f"{self.public_base_url}/hooks/slack/interactive",
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": str(timestamp),
                "X-Slack-Signature": signature,
            },
            timeout=10,
        )

    def click(
        self,
        post: SlackPost,
        *,
        user_id: str,
        action_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> requests.Response:
        """`user_id` clicks the message's button (Slack's block_actions payload, signed)."""
        button = post.button(action_id)
        payload = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": "T0EDROPS"},
            "api_app_id": "A0EDROPS",
            "container": {
                "type": "message",
                "message_ts": post.ts,
                "channel_id": post.channel,
                "is_ephemeral": False,
            },
            "channel": {"id": post.channel},
            "message": {"type": "message", "ts": post.ts, "text": post.text, "blocks": post.blocks},
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b1",
                    "value": button.get("value", ""),
                    # Unique per click, as Slack's are (even when tests stop the clock).
                    "action_ts": f"{int(time.time())}.{next(_ts):06d}",
                }
            ],
            "response_url": f"{self.url}/actions/response",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
        return self.signed_post(
            urlencode({"payload": json.dumps(payload)}), timestamp=timestamp, secret=secret
        )

    def click_acknowledge(
        self, post: SlackPost, *, user_id: str, **kwargs: Any
    ) -> requests.Response:
        return self.click(post, user_id=user_id, action_id="acknowledge", **kwargs)
