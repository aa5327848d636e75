"""A dead man's switch service (Healthchecks.io, Dead Man's Snitch) on loopback."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Monitor:
    """A Healthchecks-like endpoint on loopback that records each ping."""

    def __init__(self, *, delay: float = 0.0):
        self.pings: list[str] = []
        self.arrived = threading.Semaphore(0)
        self.delay = delay
        monitor = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if monitor.delay:
                    threading.Event().wait(monitor.delay)
                monitor.pings.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"OK")
                monitor.arrived.release()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/ping/edrops-prod"

    def wait_for_ping(self) -> bool:
        return self.arrived.acquire(timeout=5)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def pings_after(self, seconds: float) -> int:
        """How many pings arrive in the next `seconds`."""
        before = len(self.pings)
        threading.Event().wait(seconds)
        return len(self.pings) - before
