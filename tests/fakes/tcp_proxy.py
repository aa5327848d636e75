"""A TCP proxy between edrops' processes and PostgreSQL that can cut the line; or, with
several targets, a load balancer in front of several web servers (as HAProxy in TCP mode).

`cut(seconds)` does what a database restart or a failover does to its clients: every open
connection is closed under them, and new ones are dropped as soon as they arrive, until the
line comes back. The PostgreSQL cluster itself (which holds the test databases too) is never
touched.

With several targets each new connection goes to the next in turn, and to the one after it
when that one refuses (a dead node): what a balancer with passive health checks does.
"""

import contextlib
import socket
import threading
import time


class TcpProxy:
    def __init__(
        self,
        *,
        target: tuple[str, int] | None = None,
        targets: list[tuple[str, int]] | None = None,
    ):
        self.targets = targets or [target]
        self._turn = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down_until = 0.0
        self.cuts: list[tuple[float, float]] = []  # (from, to), wall clock
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self, seconds: float) -> None:
        """Close every connection now and drop new ones for `seconds`."""
        with self._lock:
            self.down_until = time.monotonic() + seconds
            self.cuts.append((time.time(), time.time() + seconds))
            for sock in list(self._open):
                _close(sock)
            self._open.clear()

    @property
    def down(self) -> bool:
        return time.monotonic() < self.down_until

    def close(self) -> None:
        self._closed = True
        _close(self.listener)
        with self._lock:
            for sock in list(self._open):
                _close(sock)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                _close(client)
                continue
            upstream = self._connect()
            if upstream is None:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _connect(self) -> socket.socket | None:
        self._turn += 1
        for i in range(len(self.targets)):
            target = self.targets[(self._turn + i) % len(self.targets)]
            try:
                upstream = socket.create_connection(target, timeout=5)
            except OSError:
                continue  # that one is down: the next
            upstream.settimeout(None)
            return upstream
        return None

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
