"""Integrations that send us events, and how we recognise them."""

import hashlib
import secrets
from datetime import timedelta

from django.db import models

from rosters.models import Team

DEFAULT_RATE_LIMIT = 1200  # events per minute
# The built-in source of pages sent by hand (edrops/services/manual_pages.py). No token ever
# authenticates as it: its token_hash is not a SHA-256 digest, and the token lookup skips it.
MANUAL_SOURCE = "manual"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256, not a password hasher: tokens are 256 random bits, so a fast hash is as safe
    as a slow one, and the lookup stays one indexed query on every request."""
    return hashlib.sha256(token.encode()).hexdigest()


class Severity(models.TextChoices):
    CRITICAL = "critical"
    HIGH = "high"
    LOW = "low"


class Source(models.Model):
    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="sources", help_text="gets its events"
    )
    may_page = models.ManyToManyField(
        Team,
        related_name="paged_by_sources",
        blank=True,
        help_text="teams besides its own that its events may name in `team`",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit = models.PositiveIntegerField(
        default=DEFAULT_RATE_LIMIT,
        help_text="events per minute, bursts of up to a minute's worth allowed; 0 = no limit",
    )

    heartbeat_interval = models.DurationField(
        null=True, blank=True, help_text="empty: no heartbeat monitor, never alarms on silence"
    )
    heartbeat_grace = models.DurationField(default=timedelta(minutes=1))
    heartbeat_severity = models.CharField(
        max_length=16, choices=Severity.choices, default=Severity.HIGH
    )
    events_count_as_life = models.BooleanField(
        default=True, help_text="an event from this source also counts as a heartbeat"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Heartbeat state (edrops/services/silence.py keeps it). The clock looks only at
    # `heartbeat_due_at`: set while the monitor is armed, empty when it is off or when this
    # outage has already raised its alarm (so an outage alarms once).
    last_heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="last sign of life: a heartbeat, or an event"
    )
    heartbeat_due_at = models.DateTimeField(
        null=True, blank=True, help_text="declared silent at this moment without a heartbeat"
    )
    heartbeat_alarm = models.ForeignKey(
        "edrops.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the event raised for the current outage, until the source is heard again",
    )

    class Meta:
        ordering = ["name"]
        indexes = [
            # The clock's every-second query; only armed monitors are in it.
            models.Index(
                fields=["heartbeat_due_at"],
                name="source_heartbeat_due",
                condition=models.Q(heartbeat_due_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def set_token(self, token: str) -> None:
        self.token_hash = hash_token(token)


class RateLimitState(models.Model):
    """A source's rate limiter: one number, the "theoretical arrival time" of its next request
    (generic cell rate algorithm, Unix seconds). Its own table, UNLOGGED on PostgreSQL (see the
    migration): it is written on every request, and losing it in a crash only resets a limit,
    so its commits need not wait for the disk."""

    source = models.OneToOneField(
        Source, primary_key=True, on_delete=models.CASCADE, related_name="rate_limit_state"
    )
    tat = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"{self.source_id}: {self.tat}"
