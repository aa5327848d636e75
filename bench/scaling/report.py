"""The grid's section of bench/RESULTS.md: the tables, and what they say."""

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.common import pct
from bench.scaling.runs import COMMITTERS, INGEST_SOURCES, PAGING_WEB, POSTERS, THREADS, Point
from bench.scaling.sampling import Sampled

BEGIN, END = "<!-- bench/scaling: begin -->", "<!-- bench/scaling: end -->"


@dataclass
class Grid:
    command: str
    ingest: list[Point] = field(default_factory=list)
    paging: list[Point] = field(default_factory=list)
    commits: dict[bool, float] = field(default_factory=dict)  # NOTIFY in each? -> commits/s


def cores(s: Sampled, *roles: str) -> str:
    used = ", ".join(f"{role} {s.cores_used(role):.2f}" for role in roles)
    return f"{used} (machine {100 * s.machine():.0f} %)"


def cpu_ms(s: Sampled, roles: tuple[str, ...], n: int) -> float:
    """CPU milliseconds `roles` spent per one of `n` (events, pages)."""
    return 1000 * sum(s.cpu.get(role, 0.0) for role in roles) / max(1, n)


def ingest_rows(points: list[Point]) -> list[str]:
    rows = [
        "| web processes x threads, sources | events/s | p50 ms | p99 ms | errors "
        "| CPU ms/event (web + db) | cores used | busy backends: commonest waits |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for p in points:
        s, n = p.sampled, len(p.load.latencies)
        rows.append(
            f"| {p.label} | {p.load.rate:.0f} | {pct(p.load.latencies, 50) * 1000:.0f} "
            f"| {pct(p.load.latencies, 99) * 1000:.0f} | {p.load.errors} "
            f"| {cpu_ms(s, ('web', 'db'), n):.1f} | {cores(s, 'web', 'db', 'bench')} "
            f"| {s.busy_backends():.1f}: {s.top_waits()} |"
        )
    return rows


def paging_rows(points: list[Point]) -> list[str]:
    rows = [
        "| qcluster processes x workers | pages/s | first page p50 s | p99 s | SMS per dispatch "
        "| worker CPU ms/page | cores used | busy backends: commonest waits |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for p in points:
        s = p.sampled
        rows.append(
            f"| {p.label} | {p.pages_per_second:.1f} | {pct(p.first_page, 50):.1f} "
            f"| {pct(p.first_page, 99):.1f} | {p.sms_per_dispatch:.2f} "
            f"| {cpu_ms(s, ('worker',), p.pages):.0f} "
            f"| {cores(s, 'worker', 'web', 'db', 'clock', 'bench')} "
            f"| {s.busy_backends():.1f}: {s.top_waits()} |"
        )
    return rows


def lock_rows(grid: Grid) -> list[str]:
    samples = sum(p.sampled.samples for p in [*grid.ingest, *grid.paging])
    locks = sum((p.sampled.lock_waiters for p in [*grid.ingest, *grid.paging]), start=Counter())
    rows = [
        f"- {n} of {samples} samples: `Lock:{lock}`, waiting: `{waiter}`; its blocker: `{holder}`"
        for (lock, waiter, holder), n in locks.most_common(6)
    ]
    return rows or ["- none"]


def section(grid: Grid, args: argparse.Namespace) -> str:
    plain, notifying = grid.commits[False], grid.commits[True]
    lines = [
        BEGIN,
        "## Scaling: more processes, more throughput? (`bench/scaling`)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: `{grid.command}`. "
        f"PostgreSQL 15 on the same {os.cpu_count()}-core machine, DEBUG off, each grid point on "
        "a fresh copy of one migrated database. *Cores used*: CPU seconds per second of each "
        "kind of process (`db`: our PostgreSQL backends and its WAL writer and checkpointer; "
        "`bench`: this script's clients and the fake Twilio), and the whole machine's, "
        "everyone's. *Busy backends*: how many of our PostgreSQL backends were running a "
        "statement, on average, and what they were doing, sampled 10 times a second from "
        "`pg_stat_activity` (`CPU:running` is work; `IO:WALSync` and `LWLock:WALWrite` a "
        "commit waiting for its flush; `Lock:*` a lock another transaction holds).",
        "",
        f"**Ingest**: gunicorn alone (no worker, no clock: the first steps wait in the queue), "
        f"{args.clients} keep-alive clients posting new MISO dispatches for {args.seconds:g} s, "
        f"from {INGEST_SOURCES} sources in turn (many) or all from one.",
        "",
        *ingest_rows(grid.ingest),
        "",
        f"**Paging**: {args.backlog} dispatches posted at once (gunicorn {PAGING_WEB} x "
        f"{THREADS}, {POSTERS} clients), each paging a person of its own by SMS (a one-step "
        "policy); one clock; P `qcluster` processes of W workers each (`Q_WORKERS`). Pages/s "
        "from the first SMS at the fake Twilio to the last; first page = POST sent -> its SMS "
        "at the provider, which grows with the dispatch's place in the backlog.",
        "",
        *paging_rows(grid.paging),
        "",
        f"**Commits** PostgreSQL makes a second, {COMMITTERS} sessions each inserting one row a "
        f"transaction: {plain:.0f} without a NOTIFY, {notifying:.0f} with one in each.",
        "",
        "Locks waited for (all points; the blocker is what the transaction holding the lock "
        "was running or had last run):",
        "",
        *lock_rows(grid),
        "",
        *reading(grid),
        "",
        END,
    ]
    return "\n".join(lines)


# --- What the figures say -----------------------------------------------------------------


def _series(values: list[float], digits: int = 0) -> str:
    return " / ".join(f"{v:.{digits}f}" for v in values) or "n/a"


def _rates(points: list[Point]) -> str:
    return ", ".join(f"{p.label}: {p.pages_per_second:.1f}" for p in points) or "n/a"


def _range(values: list[float], digits: int = 0) -> str:
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}" if values else "n/a"


def _median(values: list[float]) -> float:
    return pct(values, 50) if values else 0.0


def _waits(points: list[Point], what: Callable[[str, str], bool]) -> int:
    """Samples of a backend waiting on a lock, `what(lock, its statement)` true."""
    return sum(
        n
        for p in points
        for (lock, waiter, _), n in p.sampled.lock_waiters.items()
        if what(lock, waiter)
    )


def _naming(*tables: str) -> Callable[[str, str], bool]:
    return lambda lock, waiter: any(table in waiter for table in tables)


def _tally_shard(lock: str, waiter: str) -> bool:
    """Two ingest statements, new events both, can only meet on a tally shard's row (the
    event's unique key is the sender's id, and each of ours is new)."""
    return lock == "transactionid" and waiter.startswith('WITH "new"')


def _per_sample(points: list[Point], kind: str, event: str) -> str:
    return _series([p.sampled.waits.get((kind, event), 0) / max(1, p.sampled.samples)
                    for p in points], 2)  # fmt: skip


def _db_share(grid: Grid) -> float:
    """PostgreSQL's part of the CPU edrops' processes and PostgreSQL used, all points."""
    used = Counter()
    for p in [*grid.ingest, *grid.paging]:
        used.update({role: t for role, t in p.sampled.cpu.items() if role != "bench"})
    return used["db"] / max(sum(used.values()), 1e-9)


def reading(grid: Grid) -> list[str]:
    """What scales and what doesn't, with this run's figures; the mechanisms are the code's."""
    n = os.cpu_count() or 1
    points = [*grid.ingest, *grid.paging]
    samples = sum(p.sampled.samples for p in points)
    many = [p for p in grid.ingest if not p.one_source]
    one = [p for p in grid.ingest if p.one_source]
    processes = _series([p.processes for p in many])
    per_event = [cpu_ms(p.sampled, ("web", "db"), len(p.load.latencies)) for p in grid.ingest]
    ms_event = _median(per_event)
    single = [p.sampled.cores_used("web") for p in grid.ingest if p.processes == 1]
    several = [p.sampled.cores_used("web") for p in grid.ingest if p.processes > 1]
    busy = [p.sampled.machine() * 100 for p in grid.ingest if p.processes > 1]
    best_ingest = max((p.load.rate for p in grid.ingest), default=0.0)
    per_page = [cpu_ms(p.sampled, ("worker",), p.pages) for p in grid.paging]
    ms_page = _median(per_page)
    plain, notifying = grid.commits[False], grid.commits[True]
    return [
        "### What scales, what doesn't, and why",
        "",
        f"**Ingest is bound by CPU, not by a lock.** With {processes} web processes: "
        f"{_series([p.load.rate for p in many])} events/s from many sources, "
        f"{_series([p.load.rate for p in one])} from one. A new dispatch costs {ms_event:.1f} ms "
        f"of CPU, web and PostgreSQL ({_range(per_event, 1)} across the points), whatever the "
        f"number of processes: {n} cores hold about {n * 1000 / max(ms_event, 1e-9):.0f} a "
        f"second with nothing else running. One process used at most {max(single, default=0):.2f}"
        " of a core (its four threads share one interpreter lock); more processes used "
        f"{_range(several, 2)} cores, all the machine had left ({_range(busy)} % of it busy, "
        "everyone's). A process beyond the cores has no core to run on and only lengthens the "
        "queue (see p99).",
        "",
        "**Hot rows: none that limits.** One source (one rate-limiter row, one "
        "`last_heartbeat_at`) against many: lock waits on the source's rows in "
        f"{_waits(points, _naming('edrops_ratelimitstate', 'edrops_source'))} of {samples} "
        "samples. The limiter's `UPDATE` commits by itself on an UNLOGGED table (a row lock held "
        "for microseconds, no WAL flush), and an event moves `last_heartbeat_at` at most once a "
        "second per process (`LIFE_RESOLUTION`). The tallies of /metrics: ingest adds to one "
        "of 8 shards of its source's `received` counter within its own statement, holding that "
        "row until the commit's flush; with one source every request counts into the same 8 "
        f"rows, and two met on one in {_waits(grid.ingest, _tally_shard)} samples "
        f"(`Lock:transactionid` between two inserts: {_per_sample(one, 'Lock', 'transactionid')}"
        f" backends on average at {processes} processes, one source). The queue table's "
        "compare-and-set (`django_q_ormq.lock`, clusters taking tasks): "
        f"{_waits(points, _naming('django_q_ormq'))} samples.",
        "",
        "**The one lock every ingest takes: NOTIFY's.** Each transaction that queues a task "
        "wakes the workers (`notifications/wakeups.py`), and PostgreSQL commits notifying "
        "transactions one at a time, on one lock for the whole server held through the commit's "
        f"WAL flush (`Lock:object`: {_per_sample(many, 'Lock', 'object')} backends waited for it "
        f"on average at {processes} processes, many sources; "
        f"{_per_sample(one, 'Lock', 'object')}, one). This PostgreSQL made {notifying:.0f} such "
        f"commits a second ({plain:.0f} without NOTIFY), "
        f"{notifying / max(best_ingest, 1e-9):.0f} times the best ingest rate here: a ceiling "
        "for a web tier that many times larger, or on a disk whose flush takes milliseconds "
        "(about 1 / flush time a second), not here. Kept: a worker woken at once is what makes "
        'the first page p50 under 0.1 s ("Escalation").',
        "",
        f"**Paging is bound by CPU too.** Pages/s with {_rates(grid.paging)}. A page "
        f"(its step and its delivery, two tasks) costs {ms_page:.0f} ms of worker CPU "
        f"({_range(per_page)}) with the fake Twilio answering at once, so {n} cores page at most "
        f"{n * 1000 / max(ms_page, 1e-9):.0f} a second with nothing else running, however many "
        "workers. Workers in one cluster and clusters of one worker do the same work; each "
        "cluster more costs a process and its own pusher, monitor and polling (the CPU per page "
        "rises with them). A real provider takes 100-500 ms a call, which a worker spends "
        "waiting, not computing: then W workers page about W / (call time) a second until the "
        "cores are busy.",
        "",
        "**Found and fixed on the way** (the first runs, 2026-12-02, same machine): steps "
        "running at once all picked the same smallest ack code, and the unique index made each "
        "wait for the step before it to commit (`Lock:transactionid` on the update of "
        "`edrops_event.ack_code`, 0.5 backends on average at 1 x 4 and 4 x 1: paging fell from "
        "15 pages/s at 1 x 1 to 9 at 1 x 4); now a step passes over a code another step is "
        "giving (`pg_try_advisory_xact_lock`, `services/page_text.py`). And a step counted its "
        "lateness into the shared tally rows first and held that row until it committed; now it "
        f"counts last. Ack-code waits in this run: {_waits(points, _naming('ack_code'))} samples.",
        "",
        "*SMS per dispatch* was 1.01-1.02 in some of the first runs: an escalation's last "
        "step run twice under a backlog (the clock re-queues a step whose task a cluster has "
        "taken but not started, since `notifications.queue.lost_before` counts from when the "
        "task was queued, and exhausting an escalation does not move `step_index`). Fixed "
        "since: a step of an escalation that has ended does not run again (`run_step`). "
        "And the hourly coverage check read every team in one task (8 queries a team: 5 s "
        "for 301 teams in-process on the slower machine); under this load it ran past "
        "`Q_TIMEOUT` (30 s) and was killed. Now a check hands the teams it has not reached to a "
        "task of their own after 10 s (`CHECK_BUDGET`, `services/coverage.py`). This bench "
        "still waits for the check before posting, so that it measures paging alone.",
        "",
        "**So, per core:** gunicorn one to one and a half processes of 4 threads (the "
        "Dockerfile's 3 x 4 on 2 cores), not more: one process is held to one core, and "
        "processes beyond the cores only queue. `Q_WORKERS` 2-4 per core when providers take "
        "100-500 ms (the workers wait, not compute), about 1 per core when they answer at once; "
        "one `qcluster` per machine, a second only for failover or another machine. Past that, "
        f"add cores or machines: PostgreSQL used {100 * _db_share(grid):.0f} % of the CPU edrops "
        "used, and the NOTIFY ceiling is far above.",
    ]
