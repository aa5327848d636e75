"""Maintenance windows: planned work on a feed (an ISO's EMS upgrade, a DERMS release) during
which its events are recorded but page nobody, or page Slack only, and its heartbeat silence
raises no alarm. Not to be confused with a *silent source* (services/silence.py): a feed that
went quiet without warning."""

from django.conf import settings
from django.db import models

from edrops.models.sources import Severity, Source
from rosters.models import Team
from rosters.validators import validate_timezone


class MaintenanceMode(models.TextChoices):
    SILENT = "silent", "silent: recorded, nobody paged"
    SLACK = "slack", "Slack only: no phone, SMS or email"


class MaintenanceWindow(models.Model):
    """What it covers: one source, one team (its events, and its sources' heartbeats), or the
    events matching `match_*` (each one given must equal the event's). When: `starts_at` to
    `ends_at`, repeated by `rrule` (iCalendar) at the same local time in `time_zone`."""

    name = models.CharField(max_length=200)
    starts_at = models.DateTimeField(help_text="the first occurrence's start")
    ends_at = models.DateTimeField(help_text="the first occurrence's end")
    rrule = models.CharField(
        "repeats",
        max_length=500,
        blank=True,
        help_text="an iCalendar RRULE such as FREQ=WEEKLY;BYDAY=SU; empty: once",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA; a repeated window keeps its local wall-clock time in this zone",
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="maintenance"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="maintenance"
    )
    match_market = models.CharField("market", max_length=64, blank=True)
    match_program = models.CharField("program", max_length=64, blank=True)
    match_severity = models.CharField(
        "severity", max_length=16, choices=Severity.choices, blank=True
    )
    mode = models.CharField(max_length=8, choices=MaintenanceMode.choices)

    # When the last occurrence ends (kept by services/maintenance.py): empty while the rule
    # repeats forever; `now` once ended early. The ingest check reads only windows not over.
    series_ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="ended early, by hand")
    ended_by = models.CharField(max_length=150, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["series_ends_at"], name="maintenance_series_end")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_silent(self) -> bool:
        return self.mode == MaintenanceMode.SILENT

    def scope(self) -> str:
        """What it covers, in words: 'source miso-dispatch', 'team grid-ops',
        'market MISO, severity low'."""
        if self.source_id:
            return f"source {self.source.name}"
        if self.team_id:
            return f"team {self.team.slug}"
        parts = [
            ("market", self.match_market),
            ("program", self.match_program),
            ("severity", self.match_severity),
        ]
        return ", ".join(f"{k} {v}" for k, v in parts if v) or "nothing"
