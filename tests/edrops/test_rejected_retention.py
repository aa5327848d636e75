"""Rejected messages are kept REJECTED_RETENTION seconds (30 days), then the clock prunes them."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from edrops import clock
from edrops.models import RejectedMessage
from edrops.services import rejections

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def fresh_clock_process(monkeypatch):
    """Each test is a new clock process (it remembers when it last pruned)."""
    monkeypatch.setattr(rejections, "_pruning", rejections._Pruning())


def rejected_at(at: datetime, body: bytes = b"{") -> RejectedMessage:
    return RejectedMessage.objects.create(
        endpoint="/api/v1/events", received_at=at, errors={"body": ["x"]}, raw_body=body
    )


def kept() -> list[bytes]:
    return sorted(bytes(m.raw_body) for m in RejectedMessage.objects.all())


def test_by_default_a_rejected_message_is_kept_30_days_then_pruned_by_the_clock():
    rejected_at(T0 - 30 * DAY - timedelta(seconds=1), b"31 days old")
    rejected_at(T0 - 30 * DAY + timedelta(seconds=1), b"30 days old")
    rejected_at(T0, b"new")

    with time_machine.travel(T0, tick=False):
        report = clock.tick(T0)

    assert report.enqueued["rejected_pruned"] == 1
    assert kept() == [b"30 days old", b"new"]


def test_the_clock_prunes_at_most_once_a_minute(settings):
    settings.REJECTED_RETENTION = 3600
    assert clock.tick(T0).enqueued["rejected_pruned"] == 0

    rejected_at(T0 - timedelta(hours=2))
    for second in (1, 30, 59):
        assert clock.tick(T0 + timedelta(seconds=second)).enqueued["rejected_pruned"] == 0

    assert clock.tick(T0 + timedelta(seconds=60)).enqueued["rejected_pruned"] == 1
    assert RejectedMessage.objects.count() == 0


def test_retention_is_the_setting_in_seconds_and_zero_keeps_them_forever(settings):
    rejected_at(T0 - timedelta(hours=2))
    settings.REJECTED_RETENTION = 0
    assert rejections.prune_rejected(now=T0) == 0

    settings.REJECTED_RETENTION = 7200 - 1
    assert rejections.prune_rejected(now=T0 + timedelta(minutes=1)) == 1


def test_a_big_backlog_goes_in_bounded_batches_over_the_following_minutes(settings, monkeypatch):
    monkeypatch.setattr(rejections, "PRUNE_BATCH", 2)
    monkeypatch.setattr(rejections, "PRUNE_BATCHES", 2)
    for i in range(7):
        rejected_at(T0 - 40 * DAY + timedelta(seconds=i), f"old {i}".encode())
    rejected_at(T0, b"new")

    pruned = [rejections.prune_rejected(now=T0 + timedelta(minutes=m)) for m in range(3)]

    assert pruned == [4, 3, 0]
    assert kept() == [b"new"]


def test_rejected_retention_is_read_from_the_environment():
    env = {"REJECTED_RETENTION": "86400", "DEBUG": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; "
            "django.setup(); print(settings.REJECTED_RETENTION)",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "edrops.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "86400.0"
