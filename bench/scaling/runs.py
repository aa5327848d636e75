"""The grid's runs: a template database, and a fresh copy of it with processes for each point
(see bench/scaling/__init__.py)."""

import http.client
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import yaml

from bench.common import Load, free_port, post_many, stop_edrops, wait_until
from bench.scaling.sampling import Sampled, Sampler
from tests.fakes import FakeTwilio

REPO = Path(__file__).resolve().parents[2]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BEGIN, END = "<!-- bench/scaling: begin -->", "<!-- bench/scaling: end -->"
EXAMPLE = json.loads((REPO / "edrops" / "api" / "examples" / "miso-lmr-dispatch.json").read_text())
PYTHON = sys.executable
INGEST_SOURCES = 64
THREADS = 4  # gunicorn threads per worker process, as the Dockerfile
PAGING_WEB = 2  # gunicorn processes while paging (their load is the backlog's POSTs)
POSTERS = 8  # clients posting the backlog
COMMITTERS = 8  # sessions committing at once in the commit measurement
TAG = re.compile(r"PG-\d{5}")


@dataclass
class Point:
    label: str  # "2 x 4, many" / "1 x 4"
    processes: int  # gunicorn's (ingest) or qcluster's (paging)
    each: int  # threads (ingest) or workers (paging) of each process
    one_source: bool = False  # ingest
    load: Load = field(default_factory=Load)  # ingest
    pages: int = 0  # paging
    pages_per_second: float = 0.0
    first_page: list[float] = field(default_factory=list)
    sms_per_dispatch: float = 0.0
    sampled: Sampled = field(default_factory=Sampled)


def dispatches(tokens: list[str]):
    """Endless new MISO dispatches, each from the next of `tokens` in turn."""
    for n in itertools.count():
        body = json.dumps({**EXAMPLE, "external_id": f"SCALE-{n}-{uuid.uuid4().hex[:8]}"})
        yield "/api/v1/events", {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}, body


class Bench:
    """The template database, and a fresh copy of it with processes for each grid point."""

    def __init__(self, *, backlog: int) -> None:
        self.backlog = backlog
        self.template = f"edrops_bench_scale_{uuid.uuid4().hex[:8]}"
        self.copies: list[str] = []
        self.port = free_port()
        self.logs = Path(tempfile.mkdtemp(prefix="edrops-bench-scaling-"))
        self.twilio = FakeTwilio(public_base_url=f"http://127.0.0.1:{self.port}")
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "edrops.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-insecure-key"),
            "ALLOWED_HOSTS": "127.0.0.1",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "LOG_LEVEL": "WARNING",
            "TWILIO_ACCOUNT_SID": self.twilio.account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio.auth_token,
            "TWILIO_FROM_NUMBER": self.twilio.number,
            "TWILIO_API_URL": self.twilio.url,
        }

    def prepare(self) -> None:
        """Migrate the template; the paging roster (a team, person and source per dispatch of
        the backlog) and the ingest sources (one team, rate limits that never refuse)."""
        _admin(f'CREATE DATABASE "{self.template}"')
        self.copies.append(self.template)
        env = {**self.env, "DATABASE_URL": f"{PG}/{self.template}"}

        def manage(*args: str, **kw) -> None:
            subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=env, check=True, **kw)

        manage("migrate", "-v0")
        roster = REPO / "bench" / f".roster-{self.template}.yaml"
        roster.write_text(yaml.safe_dump(_paging_roster(self.backlog)))
        try:
            manage("load_roster", str(roster), capture_output=True)
        finally:
            roster.unlink(missing_ok=True)
        manage("shell", "-c", _SOURCES.format(backlog=self.backlog, ingest=INGEST_SOURCES))

    def fresh(self) -> str:
        name = f"{self.template}_{len(self.copies)}"
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.copies.append(name)
        return name

    def spawn(self, dbname: str, command: list[str], **extra: str) -> subprocess.Popen:
        """`command` in a session of its own (what the sampler counts as one role), its output
        in the run's log folder: `/readyz` answers 503 until the processes are up."""
        env = {**self.env, "DATABASE_URL": f"{PG}/{dbname}", **extra}
        role = "web" if "gunicorn" in command else command[-1]
        with (self.logs / f"{dbname}.{role}.log").open("ab") as log:
            return subprocess.Popen(
                command, cwd=REPO, env=env, start_new_session=True, stdout=log, stderr=log
            )

    def web(self, dbname: str, processes: int) -> subprocess.Popen:
        return self.spawn(dbname, [
            PYTHON, "-m", "gunicorn", "edrops.wsgi", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(processes), "--threads", str(THREADS), "--log-level", "warning",
        ])  # fmt: skip

    def up(self, path: str) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            return conn.getresponse().status == 200
        finally:
            conn.close()

    def ingest(self, *, processes: int, one_source: bool, seconds: float, clients: int) -> Point:
        dbname = self.fresh()
        web = self.web(dbname, processes)
        tokens = ["tok-solo"] if one_source else [f"tok-feed-{i}" for i in range(INGEST_SOURCES)]
        label = f"{processes} x {THREADS}, {'one source' if one_source else 'many'}"
        point = Point(label, processes, THREADS, one_source=one_source)
        try:
            wait_until(lambda: self.up("/healthz"), timeout=60, what="/healthz 200")
            # Every process and thread connected, its statements prepared, its cache warm.
            post_many(port=self.port, requests=dispatches(tokens), clients=clients, seconds=2)
            with Sampler(
                database_url=f"{PG}/{dbname}", dbname=dbname, roles={"web": [web.pid]}
            ) as sampler:
                point.load = post_many(
                    port=self.port, requests=dispatches(tokens), clients=clients, seconds=seconds
                )
        finally:
            stop_edrops([web])
            self.drop(dbname)
        point.sampled = sampler.result
        return point

    def paging(self, *, processes: int, workers: int) -> Point:
        dbname = self.fresh()
        self.twilio.sms.clear()
        procs = {
            "web": [self.web(dbname, PAGING_WEB)],
            "clock": [self.spawn(dbname, [PYTHON, "manage.py", "clock"])],
            "worker": [
                self.spawn(dbname, [PYTHON, "manage.py", "qcluster"], Q_WORKERS=str(workers))
                for _ in range(processes)
            ],
        }
        posted: dict[str, float] = {}

        def backlog():
            for i in range(self.backlog):
                tag = f"PG-{i:05d}"
                body = {"external_id": tag, "summary": f"bench {tag}", "market": "MISO",
                        "program": "LMR", "mw": 5, "location": tag}  # fmt: skip
                posted[tag] = time.time()
                yield "/api/v1/events", {"Authorization": f"Bearer tok-pg-{i}"}, json.dumps(body)

        try:
            # /readyz: a worker has run its check-in task and the clock has ticked.
            wait_until(lambda: self.up("/readyz"), timeout=90, what="/readyz 200")
            # A fresh database's first tick queues the coverage check, which reads every team
            # (301 here: seconds of a worker's time); measured is paging, not that.
            wait_until(lambda: _settled(dbname), timeout=120, what="the coverage check done")
            roles = {role: [p.pid for p in group] for role, group in procs.items()}
            with Sampler(database_url=f"{PG}/{dbname}", dbname=dbname, roles=roles) as sampler:
                load = post_many(port=self.port, requests=backlog(), clients=POSTERS)
                accepted = len(load.latencies)
                wait_until(
                    lambda: len(self.twilio.sms) >= accepted,
                    timeout=60 + accepted,
                    what=f"{accepted} pages",
                )
            time.sleep(1)  # any page beyond one a dispatch?
        finally:
            stop_edrops([p for group in procs.values() for p in group])
            self.drop(dbname)
        received: dict[str, float] = {}
        for sms in sorted(self.twilio.sms, key=lambda s: s.received_at):
            received.setdefault(TAG.search(sms.body).group(0), sms.received_at)
        times = sorted(received.values())
        return Point(
            f"{processes} x {workers}",
            processes,
            workers,
            pages=len(received),
            pages_per_second=(len(times) - 1) / max(times[-1] - times[0], 1e-9),
            first_page=[received[tag] - posted[tag] for tag in received],
            sms_per_dispatch=len(self.twilio.sms) / max(1, accepted),
            sampled=sampler.result,
        )

    def commits(self, *, notify: bool, seconds: float = 3.0) -> float:
        """Commits a second of COMMITTERS sessions, each inserting one row a transaction, with
        or without a NOTIFY in it (one round trip each: two statements in one simple query)."""
        dbname = self.fresh()
        url = f"{PG}/{dbname}"
        try:
            with psycopg.connect(url, autocommit=True) as db:
                db.execute("CREATE TABLE bench_commit (id bigserial PRIMARY KEY, at timestamptz)")
            sql = "INSERT INTO bench_commit (at) VALUES (now())"
            if notify:
                sql += "; SELECT pg_notify('edrops_bench', '')"
            done = [0] * COMMITTERS
            stop = time.monotonic() + seconds

            def commit(n: int) -> None:
                with psycopg.connect(url, autocommit=True) as db:
                    while time.monotonic() < stop:
                        db.execute(sql.encode())  # bytes: the simple protocol, one transaction
                        done[n] += 1

            threads = [threading.Thread(target=commit, args=(n,)) for n in range(COMMITTERS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            self.drop(dbname)
        return sum(done) / seconds

    def drop(self, dbname: str) -> None:
        _admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    def close(self) -> None:
        self.twilio.close()
        for name in self.copies:
            self.drop(name)


def _paging_roster(backlog: int) -> dict:
    people, teams = [], []
    for i in range(backlog):
        people.append(
            {
                "handle": f"p{i}",
                "name": f"p{i}",
                "timezone": "America/Chicago",
                "phone": f"+1555{i:07d}",
                "contact": [{"channel": "sms", "after": "0s"}],
            }
        )
        # One step: one SMS a dispatch, then the escalation ends.
        teams.append(
            {
                "slug": f"pg-{i}",
                "name": f"Paging {i}",
                "members": [f"p{i}"],
                "escalation": {"steps": [{"notify": [f"person:p{i}"], "wait": "30m"}]},
            }
        )
    return {"people": people, "teams": teams}  # fmt: skip


_SOURCES = """
from rosters.models import Team
from edrops import services
teams = {{t.slug: t for t in Team.objects.all()}}
for i in range({backlog}):
    services.upsert_source(name=f"pg-{{i}}", team=teams[f"pg-{{i}}"], token=f"tok-pg-{{i}}",
                           rate_limit=0)
grid = Team.objects.create(slug="grid-ops", name="Grid Ops")
# Limits that never refuse: the limiter's UPDATE runs on every request, as in production.
for i in range({ingest}):
    services.upsert_source(name=f"feed-{{i}}", team=grid, token=f"tok-feed-{{i}}",
                           rate_limit=10**9)
services.upsert_source(name="solo", team=grid, token="tok-solo", rate_limit=10**9)
"""


def _settled(dbname: str) -> bool:
    """The first coverage check has been handed out, and the queue is empty."""
    with psycopg.connect(f"{PG}/{dbname}", autocommit=True) as db:
        return db.execute(
            "SELECT EXISTS (SELECT FROM edrops_coveragecheck WHERE due_at > now())"
            " AND NOT EXISTS (SELECT FROM django_q_ormq)"
        ).fetchone()[0]


def _admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(sql)
