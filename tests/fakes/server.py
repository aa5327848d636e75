"""A threaded local HTTP server with a queue of injected faults, shared by the fakes."""

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import requests

WAIT_SECONDS = 5.0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]
    raw: bytes = b""  # the body as it came, for checking a signature over it
    at: float = field(default_factory=time.time)  # wall clock, for the chaos test and bench/


@dataclass
class Reply:
    status: int
    body: Any  # dict/list -> JSON, str -> text
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json; charset=utf-8"


class FakeServer:
    """Subclasses implement `answer(recorded) -> Reply`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: deque[Reply] = deque()
        self.failing = 0.0  # the share of calls answered with `transient_error()` at random
        self.random = random.Random(20261202)
        self.changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                raw = body.decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                recorded = Recorded(method, self.path, dict(self.headers.items()), params, body)
                reply = fake._handle(recorded)
                body, content_type = reply.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, recorded: Recorded) -> Reply:
        with self.changed:
            self.requests.append(recorded)
            rejection = self.authenticate(recorded)
            if rejection is None and self.faults:
                rejection = self.faults.popleft()
            if rejection is None and self.random.random() < self.failing:
                rejection = self.transient_error()
            reply = rejection or self.answer(recorded)
            self.changed.notify_all()
            return reply

    def authenticate(self, recorded: Recorded) -> Reply | None:
        return None

    def answer(self, recorded: Recorded) -> Reply:
        raise NotImplementedError

    def transient_error(self) -> Reply:
        """What the provider answers on a bad day (a 5xx)."""
        return Reply(503, "<html>Service Unavailable</html>")

    def inject(self, reply: Reply, times: int = 1) -> None:
        """The next `times` API calls get `reply` instead of an answer."""
        with self.changed:
            self.faults.extend([reply] * times)

    def wait_for(
        self, find: Callable[[], Any], *, timeout: float, what: str, seen: Callable[[], str]
    ) -> Any:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = find()
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {what}; got only:\n{seen() or '  nothing'}")
                self.changed.wait(left)


def replay(captured: requests.Response) -> requests.Response:
    """Send again, byte for byte, a signed callback a fake made (its URL, body and signature
    headers): what an attacker who captured it on the wire would do."""
    with requests.Session() as session:
        return session.send(captured.request, timeout=10)
