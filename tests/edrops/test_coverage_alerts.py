"""Coverage gaps found before a dispatch finds them, with time moved: the clock's hourly check
posts a new gap once to the team's Slack channel and its lead, the dashboard shows it until an
override fills it, and a gap about to start pages the leads. Rosters are built relative to now."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from edrops.clock import tick
from edrops.models import CoverageGap, Event, Severity
from edrops.services import coverage
from notifications.models import Notification
from rosters.models import Override, Person, Rotation
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

CHICAGO = ZoneInfo("America/Chicago")
LEE = "+13125550199"


def local(at) -> str:
    return at.astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")


def roster(now, *, backup_until: timedelta) -> dict:
    """primary (alice, bob, daily) starts in 4 days; until then carol covers by an override on
    backup, up to `backup_until` from now: the rest is a gap."""
    return {
        "people": [
            {"handle": h, "name": h.title(), "timezone": "America/Chicago", "phone": phone}
            for h, phone in [("alice", "+13125550101"), ("bob", "+13125550102"),
                             ("carol", "+13125550103")]
        ] + [
            {"handle": "lee", "name": "Lee", "timezone": "America/Chicago", "phone": LEE,
             "email": "lee@example.com", "role": "lead"},
        ],
        "teams": [
            {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
             "slack_channel": "C0GRIDOPS", "members": ["alice", "bob", "carol", "lee"],
             "rotations": [
                 {"name": "primary", "start": local(now + timedelta(days=4)), "shift": "1d",
                  "timezone": "America/Chicago", "people": ["alice", "bob"]},
                 {"name": "backup", "start": local(now - timedelta(days=1)), "shift": "1w",
                  "timezone": "America/Chicago", "people": []},
             ],
             "overrides": [
                 {"rotation": "backup", "person": "carol", "start": local(now - timedelta(hours=1)),
                  "end": local(now + backup_until)},
             ],
             "escalation": {"steps": [{"notify": ["rotation:primary"], "wait": "5m"},
                                      {"notify": ["rotation:backup"]}]}},
        ],
    }  # fmt: skip


@pytest.fixture
def moved():
    """Time stopped at the wall clock's minute and moved by hand; each move ticks the clock and
    runs the workers."""
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:

        def advance(**delta) -> None:
            traveller.shift(timedelta(**delta))
            tick(timezone.now())
            run_queued_tasks()

        yield advance


def load(tmp_path, data, *args) -> str:
    from io import StringIO

    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(data))
    out = StringIO()
    call_command("load_roster", str(path), *args, stdout=out)
    return out.getvalue()


def test_a_gap_three_days_out_is_posted_once_shown_and_cleared_by_an_override(
    tmp_path, moved, slack, client
):
    load(tmp_path, roster(timezone.now(), backup_until=timedelta(days=3)))
    moved()

    post = slack.expect_message(to="C0GRIDOPS", containing="Coverage gap in grid-ops")
    assert "nobody on call from" in post.text
    assert "rotation primary has nobody; rotation backup has nobody" in post.text
    assert "/schedule?team=grid-ops" in post.text
    [email] = [m for m in mail.outbox if m.to == ["lee@example.com"]]
    assert "Coverage gap in grid-ops" in email.subject
    [gap] = CoverageGap.objects.all()
    assert gap.starts_at - timezone.now() == timedelta(days=3)

    lee = Person.objects.get(handle="lee")
    lee.user = type(lee).user.field.related_model.objects.create_user("lee", password="pw-lee-1")
    lee.save()
    client.force_login(lee.user)
    assert "Coverage gap in grid-ops" in client.get("/").content.decode()
    assert "Coverage gap in grid-ops" in client.get("/schedule?team=grid-ops").content.decode()

    # An hour later the hourly check finds it again: nothing new is posted.
    moved(hours=1, minutes=1)
    moved(hours=1, minutes=1)
    assert CoverageGap.objects.count() == 1
    assert Notification.objects.filter(slack_channel="C0GRIDOPS").count() == 1

    # Carol covers the day: the roster changed, the next tick checks, the banner goes.
    Override.objects.create(
        rotation=Rotation.objects.get(name="backup"),
        person=Person.objects.get(handle="carol"),
        starts_at=gap.starts_at,
        ends_at=gap.ends_at,
    )
    moved(seconds=1)
    gap.refresh_from_db()
    assert gap.closed_at is not None
    assert "Coverage gap" not in client.get("/").content.decode()
    assert Notification.objects.filter(slack_channel="C0GRIDOPS").count() == 1


def test_a_gap_starting_in_30_minutes_pages_the_leads_as_a_high_event(tmp_path, moved, twilio):
    load(tmp_path, roster(timezone.now(), backup_until=timedelta(minutes=30)))
    moved()

    [event] = Event.objects.all()
    assert event.severity == Severity.HIGH
    assert event.summary.startswith("Coverage gap in 30 min: grid-ops: nobody on call from")
    sms = twilio.expect_sms(to=LEE, containing="Coverage gap")
    assert "nobody on call" in sms.body
    assert event.paging == ["lee"]

    # Paged once: the next checks find the same gap, already paged.
    moved(minutes=10)
    moved(hours=1)
    assert Event.objects.count() == 1


def test_load_roster_dry_run_says_which_hours_would_have_nobody(tmp_path, moved):
    now = timezone.now()
    load(tmp_path, roster(now, backup_until=timedelta(days=5)))
    emptied = roster(now, backup_until=timedelta(days=5))
    emptied["teams"][0]["overrides"] = []  # carol's cover goes: nobody until primary starts

    out = load(tmp_path, emptied, "--dry-run")

    starts = (now).astimezone(CHICAGO)
    ends = (now + timedelta(days=4)).astimezone(CHICAGO)
    assert "gap: grid-ops: nobody on call from" in out
    assert f"to {ends:%a %d %b %H:%M %Z}" in out
    assert "rotation primary has nobody; rotation backup has nobody" in out
    assert f"{starts:%a %d %b}" in out
    assert "dry run: nothing was changed" in out
    assert Override.objects.count() == 1


def test_a_team_without_a_lead_has_every_lead_paged(tmp_path, moved, twilio):
    data = roster(timezone.now(), backup_until=timedelta(minutes=30))
    data["teams"][0]["members"].remove("lee")  # lee leads, but not this team
    load(tmp_path, data)
    moved()

    twilio.expect_sms(to=LEE, containing="Coverage gap")
    assert Event.objects.get().paging == ["lee"]


def test_a_check_out_of_time_hands_the_teams_left_to_a_task_of_their_own(
    tmp_path, moved, slack, monkeypatch
):
    # Three teams with the same gap; each check may take one team before handing on (with
    # hundreds of teams on a busy machine, one task for all of them ran past Q_TIMEOUT).
    monkeypatch.setattr(coverage, "CHECK_BUDGET", timedelta(0))
    data = roster(timezone.now(), backup_until=timedelta(days=3))
    (team,) = data["teams"]
    data["teams"] = [
        {**team, "slug": f"grid-ops-{n}", "name": f"Grid Operations {n}",
         "slack_channel": f"C0GRID{n}"}
        for n in (1, 2, 3)
    ]  # fmt: skip
    load(tmp_path, data)
    tick(timezone.now())
    assert [args for func, args in run_queued_tasks() if func.endswith("check_coverage")] == [
        (),
        ("grid-ops-1",),
        ("grid-ops-2",),
    ]
    for n in (1, 2, 3):
        slack.expect_message(to=f"C0GRID{n}", containing=f"Coverage gap in grid-ops-{n}")
    assert CoverageGap.objects.count() == 3
