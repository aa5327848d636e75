"""Small helpers the benchmarks share."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# As deployed: DEBUG off (templates cached, no query log kept, hashed static files), for the
# benchmarks bench/all.py starts and for those that run in-process and call
# `production_settings()`. `DEBUG=1 python -m bench.dashboard` still measures with debug on.
PRODUCTION = {
    "DEBUG": "0",
    # The in-process ones talk to Django's test client, whose requests name `testserver`.
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-insecure-key"),
}


def production_settings() -> None:
    """Before django.setup(): PRODUCTION, for whatever the environment does not say."""
    for name, value in PRODUCTION.items():
        os.environ.setdefault(name, value)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# Raw measurements (not committed), for bench/plot.py.
OUT = Path(__file__).resolve().parent / "out"


def write_section(*, begin: str, end: str, section: str, keep_rows_except: str = "") -> None:
    """Put `section` (which starts with `begin` and ends with `end`) into bench/RESULTS.md,
    replacing that benchmark's previous section, and print it. With `keep_rows_except` (a
    database vendor), the old section's table rows for other databases are kept: one row per
    database, each its last measurement."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    if begin in text:
        if keep_rows_except:
            old = text[text.index(begin) : text.index(end)]
            others = [
                line
                for line in old.splitlines()
                if line.startswith("| ")
                and not line.startswith(("| database", f"| {keep_rows_except} "))
            ]
            section = section.replace(end, "\n".join([*others, end]))
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)
    print(section)


def start_edrops(*, env: dict[str, str], port: int, cwd: Path) -> list[subprocess.Popen]:
    """gunicorn, one qcluster and one clock, as in production, each in its own process group."""
    python = sys.executable
    commands = (
        [python, "-m", "gunicorn", "edrops.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--log-level", "warning"],
        [python, "manage.py", "qcluster"],
        [python, "manage.py", "clock"],
    )  # fmt: skip
    return [subprocess.Popen(c, cwd=cwd, env=env, start_new_session=True) for c in commands]


def stop_edrops(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, as a supervisor would; SIGKILL what ignores it."""
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Load:
    """What `post_many` measured: each accepted request's latency (s), the rest as errors."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def merged(self, other: "Load") -> "Load":
        return Load(
            self.latencies + other.latencies,
            self.errors + other.errors,
            self.seconds + other.seconds,
        )


def post_many(
    *, port: int, requests: Iterator[tuple[str, dict, str]], clients: int, seconds: float = 0
) -> Load:
    """`clients` keep-alive clients on loopback POST JSON `(path, headers, body)` taken from
    `requests` (one iterator, shared) for `seconds`, or until it runs out (0). A 2xx counts;
    any other answer, or a broken connection, is an error."""
    load, lock = Load(), threading.Lock()
    stop = time.monotonic() + seconds if seconds else float("inf")

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, errors = [], 0
        while time.monotonic() < stop:
            with lock:
                item = next(requests, None)
            if item is None:
                break
            path, headers, body = item
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body, {"Content-Type": "application/json", **headers})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if 200 <= response.status < 300:
                mine.append(time.perf_counter() - t0)
            else:
                errors += 1
        conn.close()
        with lock:
            load.latencies += mine
            load.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.seconds = time.monotonic() - started
    return load
