"""The chaos run: a stream of dispatches while the processes are killed, the database line is
cut and the providers fail half their calls; then, for every dispatch that got a 2xx, when its
first page reached a provider.

Shared by the suite (`tests/chaos/test_faults.py`, a short run with generous bounds) and by
`bench/faults.py` (a longer one whose figures go to bench/RESULTS.md).
"""

import json
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
import yaml

from tests.e2e.stack import MANAGE, REPO, Stack, first_shift_now, wait_for
from tests.fakes import FakeSlack, FakeTwilio
from tests.fakes.tcp_proxy import TcpProxy

TOKEN = "chaos-source-token"
CHANNEL = "C0CHAOS"
ALICE = "+13125550101"
MARK = re.compile(r"Chaos dispatch (\d{5})")


def alice_on_call(escalation: dict) -> dict:
    """Grid Operations with Alice (SMS) on call all week, whatever the date, and `escalation`."""
    return {
        "people": [
            {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", "phone": ALICE,
             "contact": [{"channel": "sms", "after": "0s"}]},
        ],
        "teams": [
            {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
             "members": ["alice"],
             "rotations": [{"name": "primary", "start": first_shift_now("America/Chicago"),
                            "shift": "1w", "timezone": "America/Chicago", "people": ["alice"]}],
             "escalation": escalation},
        ],
    }  # fmt: skip


# The channel post has no per-person limit: every dispatch gets one, so every dispatch's first
# page can be timed. Alice's SMS are limited (and bundled) as usual.
ROSTER = alice_on_call(
    {"ack_sla": "10m", "steps": [{"notify": [f"slack:{CHANNEL}", "rotation:primary"]}]}
)


@dataclass
class Post:
    n: int
    at: float  # wall clock when the request was sent
    status: int | None = None  # None: no answer (refused, reset, timed out)
    took: float = 0.0
    error: str = ""
    event_id: str | None = None


@dataclass
class Report:
    posts: list[Post]
    faults: list[tuple[float, str]]  # (wall clock, what was done)
    cuts: list[tuple[float, float]]
    first_page: dict[int, float] = field(default_factory=dict)  # n -> seconds after its POST
    stored: set[int] = field(default_factory=set)  # n of the events in the database
    posted: Counter = field(default_factory=Counter)  # n -> channel posts Slack took for it
    readyz_during_cut: list[int] = field(default_factory=list)

    @property
    def accepted(self) -> list[Post]:
        return [p for p in self.posts if p.status in (200, 202)]

    @property
    def lost(self) -> list[int]:
        """Accepted, and missing from the database or never paged."""
        return [p.n for p in self.accepted if p.n not in self.stored or p.n not in self.first_page]

    def duplicates(self, posts: list[Post] | None = None) -> int:
        """Channel posts beyond one per dispatch (at least once: allowed after a crash)."""
        return sum(max(0, self.posted[p.n] - 1) for p in (self.posts if posts is None else posts))

    @property
    def worst_first_page(self) -> float:
        return max((self.first_page.get(p.n, float("inf")) for p in self.accepted), default=0)

    def statuses(self) -> Counter:
        return Counter(p.status if p.status is not None else p.error for p in self.posts)

    def during_cuts(self, *, margin: float = 0.5) -> list[Post]:
        """Posts sent well inside a cut (not at its edges)."""
        return [
            p
            for p in self.posts
            if any(start + margin <= p.at and p.at + p.took <= end for start, end in self.cuts)
        ]

    def summary(self) -> str:
        worst = self.worst_first_page
        return (
            f"{len(self.posts)} posted, {len(self.accepted)} accepted, {len(self.lost)} lost, "
            f"{self.duplicates()} duplicate channel posts, worst first page {worst:.1f} s; "
            f"answers {dict(self.statuses())}; faults {[what for _, what in self.faults]}"
        )


def prepare(
    stack: Stack,
    tmp_path: Path,
    *,
    roster: dict = ROSTER,
    source: str = "chaos-feed",
    token: str = TOKEN,
) -> None:
    """Load `roster` and make a source for grid-ops with `token`, as an ops lead would."""
    path = tmp_path / "chaos-roster.yaml"
    path.write_text(yaml.safe_dump(roster))
    for args in (
        ("load_roster", str(path)),
        ("create_source", source, "--team", "grid-ops", "--token", token),
    ):
        subprocess.run([*MANAGE, *args], cwd=REPO, env=stack.env(), check=True, capture_output=True)


def through_proxy(database_url: str, proxy: TcpProxy) -> str:
    return re.sub(r"@[^/]+/", f"@127.0.0.1:{proxy.port}/", database_url, count=1)


# A fault: when (a share of the run's seconds), what is done (for the report), and doing it.
Fault = tuple[float, str, Callable[[], None]]


def run(
    *,
    stack: Stack,
    direct_url: str,
    proxy: TcpProxy | None,
    twilio: FakeTwilio,
    slack: FakeSlack,
    seconds: float,
    rate: float,
    cut_seconds: float = 4.0,
    settle: float = 60.0,
    plan: list[Fault] | None = None,
    front: str | None = None,
) -> Report:
    """Stack's processes must reach the database through `proxy`; `direct_url` is the same
    database reached directly (for counting what was stored). Posts `rate` dispatches a second
    for `seconds` to `front` (default: the stack's web server), doing the faults of `plan`
    along the way (default: kill each process, cut the database line), then waits up to
    `settle` seconds for the first pages."""
    twilio.failing = slack.failing = 0.5
    run_id = uuid.uuid4().hex[:6]
    posts: list[Post] = []
    faults: list[tuple[float, str]] = []
    readyz: list[int] = []
    stop = threading.Event()

    def poster() -> None:
        session = requests.Session()
        started = time.monotonic()
        n = 0
        while not stop.is_set() and time.monotonic() - started < seconds:
            post = Post(n=n, at=time.time())
            body = {
                "external_id": f"CHAOS-{run_id}-{n:05d}",
                "status": "active",
                "summary": f"Chaos dispatch {n:05d}: curtail 5 MW at feeder 12",
                "mw": 5,
            }
            t0 = time.monotonic()
            try:
                answer = session.post(
                    (front or stack.base_url) + "/api/v1/events",
                    json=body,
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    timeout=15,
                )
                post.status = answer.status_code
                if answer.status_code in (200, 202):
                    post.event_id = answer.json()["id"]
            except requests.RequestException as error:
                post.error = type(error).__name__
                session = requests.Session()
            post.took = time.monotonic() - t0
            posts.append(post)
            n += 1
            time.sleep(max(0.0, started + n / rate - time.monotonic()))

    def fault(what: str, action) -> None:
        faults.append((time.time(), what))
        action()

    def restart(name: str) -> None:
        stack.stop(name, signal.SIGKILL)
        time.sleep(1)  # a supervisor's restart delay
        stack.start(name)

    def cut() -> None:
        assert proxy is not None, "a database line to cut"
        proxy.cut(cut_seconds)
        deadline = time.monotonic() + cut_seconds - 0.5
        time.sleep(0.5)
        while time.monotonic() < deadline:
            try:
                readyz.append(stack.get("/readyz").status_code)
            except requests.RequestException:
                readyz.append(0)
            time.sleep(0.5)

    plan = plan or [
        (0.15, "SIGKILL worker", lambda: restart("worker")),
        (0.30, "SIGKILL clock", lambda: restart("clock")),
        (0.45, "SIGKILL web (master and workers)", lambda: restart("web")),
        (0.60, f"database line cut for {cut_seconds:g} s", cut),
        (0.80, "SIGKILL worker again", lambda: restart("worker")),
    ]
    thread = threading.Thread(target=poster, daemon=True)
    began = time.monotonic()
    thread.start()
    for share, what, action in plan:
        time.sleep(max(0.0, began + share * seconds - time.monotonic()))
        fault(what, action)
    thread.join(seconds + 30)
    stop.set()

    cuts = proxy.cuts if proxy else []
    report = Report(posts=posts, faults=faults, cuts=cuts, readyz_during_cut=readyz)
    accepted = {p.n for p in report.accepted}
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        _first_pages(report, twilio, slack)
        if accepted <= set(report.first_page):
            break
        time.sleep(0.5)
    _first_pages(report, twilio, slack)
    with psycopg.connect(direct_url) as db:
        rows = db.execute(
            "SELECT external_id FROM edrops_event WHERE external_id LIKE %s", (f"CHAOS-{run_id}-%",)
        ).fetchall()
    report.stored = {int(external_id.rsplit("-", 1)[1]) for (external_id,) in rows}
    marks = [MARK.search(post.text) for post in slack.posts if post.to == CHANNEL]
    posted = Counter(int(m[1]) for m in marks if m)
    report.posted = posted
    return report


def slowest(report: Report, direct_url: str, *, count: int = 3) -> str:
    """The story of the dispatches whose first page came last: their timeline and every log
    line of their notifications, from the database (for finding what held them up)."""
    ids = {p.n: p.event_id for p in report.accepted}
    late = sorted(ids, key=lambda n: -report.first_page.get(n, float("inf")))[:count]
    lines = []
    with psycopg.connect(direct_url) as db:
        for n in late:
            posted = next(p.at for p in report.posts if p.n == n)
            lines.append(f"dispatch {n:05d}: first page {report.first_page.get(n, -1):.1f} s")
            story = db.execute(
                "SELECT at, 'event', kind || ': ' || detail FROM edrops_timelineentry"
                " WHERE event_id = %s"
                " UNION ALL SELECT l.at, 'page #' || n.id || ' ' || n.channel,"
                " l.state || ': ' || l.detail FROM notifications_notificationlog l"
                " JOIN notifications_notification n ON n.id = l.notification_id"
                " WHERE n.reference = %s ORDER BY 1",
                (ids[n], ids[n]),
            ).fetchall()
            lines += [f"  +{at.timestamp() - posted:6.2f} s {by}: {what}" for at, by, what in story]
    return "\n".join(lines)


def _first_pages(report: Report, twilio: FakeTwilio, slack: FakeSlack) -> None:
    """The first request that reached a provider about each dispatch, whatever it answered."""
    sent_at = {p.n: p.at for p in report.posts}
    for recorded in [*slack.requests, *twilio.requests]:
        for match in MARK.finditer(json.dumps(recorded.params)):
            n = int(match[1])
            if n in sent_at:
                after = recorded.at - sent_at[n]
                report.first_page[n] = min(report.first_page.get(n, after), after)


def ready(stack: Stack) -> None:
    wait_for(lambda: stack.get("/readyz").status_code == 200, timeout=30, what="ready", stack=stack)
