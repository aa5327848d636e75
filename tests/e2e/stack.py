"""Run edrops' real processes (web, worker, clock) against a database of their own.

The processes are started exactly as the Procfile and docker-compose start them, with the
environment a deployment would give them, and are reached only over HTTP.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import environ
import psycopg
import requests

REPO = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(REPO / "manage.py")]

COMMANDS = {
    "web": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "edrops.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--graceful-timeout",
        "3",
    ],
    "worker": lambda port: [*MANAGE, "qcluster"],
    "clock": lambda port: [*MANAGE, "clock"],
    "ven": lambda port: [*MANAGE, "ven"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{REPO / 'db.sqlite3'}"


class Databases:
    """Fresh, migrated databases for stacks: migrate once into a template, then copy it."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.base = base_database_url()
        self.config = environ.Env.db_url_config(self.base)
        self.postgres = "postgresql" in self.config["ENGINE"]
        self.created: list[str] = []
        self.template = self._new_name("tmpl")
        self._create_empty(self.template)
        subprocess.run(
            [*MANAGE, "migrate", "--noinput"],
            env=base_env(self.url(self.template)),
            check=True,
            capture_output=True,
        )

    def _new_name(self, kind: str) -> str:
        return f"edrops_e2e_{kind}_{uuid.uuid4().hex[:8]}"

    def url(self, name: str) -> str:
        if self.postgres:
            c = self.config
            auth = c["USER"] + (f":{c['PASSWORD']}" if c.get("PASSWORD") else "")
            return f"postgres://{auth}@{c['HOST'] or '127.0.0.1'}:{c['PORT'] or 5432}/{name}"
        return f"sqlite:///{self.workdir / name}.sqlite3"

    def _admin(self) -> psycopg.Connection:
        c = self.config
        return psycopg.connect(
            host=c["HOST"] or "127.0.0.1",
            port=c["PORT"] or 5432,
            user=c["USER"],
            password=c.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        )

    def _create_empty(self, name: str) -> None:
        if self.postgres:
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)

    def fresh(self) -> str:
        """A new database holding the migrated schema; returns its URL."""
        name = self._new_name("db")
        if self.postgres:
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        else:
            shutil.copy(self.workdir / f"{self.template}.sqlite3", self.workdir / f"{name}.sqlite3")
        self.created.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        if not self.postgres:
            return
        with self._admin() as conn:
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "SLACK_", "TWILIO_"))
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="edrops.settings",
        DEBUG="1",
        SECRET_KEY="e2e-insecure-key",
        PYTHONUNBUFFERED="1",
        Q_WORKERS="2",
    )
    env.update(extra)
    return env


@dataclass
class Stack:
    """A running edrops: start and stop its processes, talk to it over HTTP."""

    database_url: str
    logdir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        # env_extra may name another PUBLIC_BASE_URL: a balancer in front of several stacks.
        return base_env(self.database_url, **{"PUBLIC_BASE_URL": self.base_url, **self.env_extra})

    def start(self, *names: str) -> None:
        """Start processes by kind; `clock#2` is a second clock beside the first."""
        for name in names:
            log = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 -- lives with the process
            self.procs[name] = subprocess.Popen(
                COMMANDS[name.split("#")[0]](self.port),
                cwd=REPO,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if "web" in names:
            wait_for(
                lambda: self.get("/healthz").status_code == 200,
                timeout=20,
                what="web answering /healthz",
                stack=self,
            )

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Stop one process as a supervisor would; returns its exit status."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError(
                f"{name} ignored {signal.Signals(sig).name} for {timeout} s"
            ) from None

    def stop_all(self) -> None:
        for name in list(self.procs):
            with contextlib.suppress(AssertionError):
                self.stop(name)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base_url + path, timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base_url + path, timeout=10, **kwargs)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} (last 40 lines)\n" + "\n".join(p.read_text().splitlines()[-40:])
            for p in sorted(self.logdir.glob("*.log"))
        )


def first_shift_now(tz: str) -> str:
    """A roster `start` that puts a rotation's first person on call now and for days to come.

    Tests that run real processes run on the wall clock: a fixed start date makes a two-person
    weekly rotation page the other person on alternate weeks."""
    started = datetime.now(ZoneInfo(tz)) - timedelta(hours=1)
    return started.strftime("%Y-%m-%dT%H:%M")


def wait_for(
    condition: Callable[[], Any],
    *,
    timeout: float,
    what: str,
    interval: float = 0.1,
    stack: Stack | None = None,
) -> Any:
    """Poll `condition` until it is truthy; fail naming `what` (and the logs) if it never is."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except requests.ConnectionError:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            logs = f"\n{stack.logs()}" if stack else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{logs}")
        time.sleep(interval)
