"""What a benchmark's processes wait on while it runs: PostgreSQL's wait events and CPU.

`Sampler` reads `pg_stat_activity` for one database every 0.1 s (what each busy backend of
ours is doing: on CPU, or waiting for a lock, the WAL, a client) and, every half second, the
CPU time of edrops' processes (each started in a session of its own, so a session is one
role: the gunicorn master and its workers, a qcluster and its pool), of PostgreSQL's backends
for that database and its background writers, of this process (the load and the fakes), and
of the whole machine (/proc/stat). Linux only; no dependencies.
"""

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")
# A lock waiter's blocker: what it runs meanwhile tells a long transaction from a busy row.
BUSY_BACKENDS = """
    SELECT coalesce(a.wait_event_type, 'CPU'), coalesce(a.wait_event, 'running'),
           left(a.query, 70),
           CASE WHEN a.wait_event_type = 'Lock' THEN (
               SELECT b.state || ': ' || left(b.query, 50) FROM pg_stat_activity b
               WHERE b.pid = (pg_blocking_pids(a.pid))[1]
           ) END
    FROM pg_stat_activity a
    WHERE a.datname = %s AND a.state = 'active' AND a.pid <> pg_backend_pid()
"""
# Ours, and the server's own writers (whose work our commits cause).
SERVER_PIDS = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = %s OR backend_type IN ('walwriter', 'checkpointer', 'background writer')
"""


@dataclass
class Sampled:
    seconds: float = 0.0
    samples: int = 0
    # (wait_event_type, wait_event) -> backends seen in it, summed over samples
    waits: Counter = field(default_factory=Counter)
    # (lock, the statement waiting for it, what its first blocker was doing): samples
    lock_waiters: Counter = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # role -> CPU seconds
    machine_busy: float = 0.0  # CPU seconds of the whole machine, every process
    cores: int = os.cpu_count() or 1

    def busy_backends(self) -> float:
        """Average backends of ours running a statement (on CPU or waiting)."""
        return sum(self.waits.values()) / max(1, self.samples)

    def top_waits(self, n: int = 3) -> str:
        """The commonest states of a busy backend, as average backends in each."""
        parts = [
            f"{kind}:{event} {count / max(1, self.samples):.1f}"
            for (kind, event), count in self.waits.most_common(n)
        ]
        return ", ".join(parts) or "none"

    def cores_used(self, role: str) -> float:
        return self.cpu.get(role, 0.0) / max(self.seconds, 1e-9)

    def machine(self) -> float:
        """Share of the machine's CPU in use (every process, other people's too)."""
        return self.machine_busy / max(self.seconds, 1e-9) / self.cores


class Sampler:
    """`with Sampler(...) as s:` samples until the block ends; read `s.result` after it."""

    def __init__(self, *, database_url: str, dbname: str, roles: dict[str, list[int]]) -> None:
        self.database_url = database_url
        self.dbname = dbname
        self.roles = roles  # role -> session leader pids (Popen.pid of start_new_session)
        self.result = Sampled()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)
        self._base: dict[tuple[str, int], float] = {}
        self._last: dict[tuple[str, int], float] = {}

    def __enter__(self) -> "Sampler":
        self._db = psycopg.connect(self.database_url, autocommit=True)
        self._started = time.monotonic()
        self._machine0 = _machine_busy()
        self._self0 = _own_cpu()
        self._base = self._cpu_now()
        self._last = dict(self._base)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(self._cpu_now())
        r = self.result
        r.seconds = time.monotonic() - self._started
        r.machine_busy = _machine_busy() - self._machine0
        for (role, pid), seconds in self._last.items():
            r.cpu[role] = r.cpu.get(role, 0.0) + seconds - self._base.get((role, pid), 0.0)
        r.cpu["bench"] = _own_cpu() - self._self0
        self._db.close()

    def _run(self) -> None:
        next_cpu = time.monotonic() + 0.5
        while not self._stop.wait(0.1):
            for kind, event, query, blocker in self._db.execute(BUSY_BACKENDS, [self.dbname]):
                self.result.waits[kind, event] += 1
                if kind == "Lock":
                    self.result.lock_waiters[event, _oneline(query), _oneline(blocker)] += 1
            self.result.samples += 1
            if time.monotonic() >= next_cpu:
                next_cpu += 0.5
                self._last.update(self._cpu_now())

    def _cpu_now(self) -> dict[tuple[str, int], float]:
        """CPU seconds so far of every process of every role, by (role, pid)."""
        leaders = {pid: role for role, pids in self.roles.items() for pid in pids}
        server = {pid for (pid,) in self._db.execute(SERVER_PIDS, [self.dbname])}
        now = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            stat = _stat(entry)
            if stat is None:
                continue
            pid, session, seconds = stat
            if session in leaders:
                now[leaders[session], pid] = seconds
            elif pid in server:
                now["db", pid] = seconds
        return now


def _oneline(sql: str | None) -> str:
    return " ".join((sql or "gone").split())


def _stat(entry: Path) -> tuple[int, int, float] | None:
    """(pid, session id, user + system CPU seconds) of a process; None if it is gone."""
    try:
        text = entry.joinpath("stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = text[text.rindex(")") + 2 :].split()
    session, utime, stime = int(fields[3]), int(fields[11]), int(fields[12])
    return int(entry.name), session, (utime + stime) / TICKS


def _machine_busy() -> float:
    """CPU seconds the machine spent on anything but idling, since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system
