"""Small helpers the benchmarks share."""

import socket
import time
from collections.abc import Callable
from pathlib import Path


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


def write_section(*, begin: str, end: str, section: str) -> None:
    """Put `section` (which starts with `begin` and ends with `end`) into bench/RESULTS.md,
    replacing that benchmark's previous section, and print it."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)
    print(section)
