"""What the clock remembers about the schedule: coverage gaps it has told people about, when it
looks again, and the handoff reminders it has sent."""

from django.db import models

from rosters.models import Person, Rotation, Team


class CoverageGap(models.Model):
    """A gap in a team's coverage (rosters.coverage), remembered so that it is posted once, shown
    as a banner until it is filled, and its leads paged once when it is about to start.

    The same gap found again at the next check (perhaps shorter, an override having filled part
    of it) is this row, updated: a gap is the same while it overlaps, for the same reason."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="coverage_gaps")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    why = models.CharField(max_length=32)
    detail = models.TextField(blank=True)
    found_at = models.DateTimeField()
    posted_at = models.DateTimeField(null=True, blank=True, help_text="told the team and leads")
    paged = models.ForeignKey(
        "edrops.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the event that paged the leads when it was about to start",
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="filled, or over: no longer shown"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["closed_at", "starts_at"], name="coverage_gap_open")]

    def __str__(self) -> str:
        return f"{self.team} {self.why} from {self.starts_at:%Y-%m-%d %H:%M}Z"


class CoverageCheck(models.Model):
    """One row: when the clock next checks every team for gaps. Hourly, and at once after a
    roster change (edrops/apps.py listens to the rosters' models and sets it to now)."""

    due_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"next coverage check at {self.due_at}"


class HandoffReminder(models.Model):
    """ "You're on call for grid-ops from Mon 09:00 CST to Mon 09:00": one per shift, planned by
    the coverage check and sent by the clock when `due_at` comes."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "person", "starts_at"], name="handoff_reminder_once"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "due_at"], name="handoff_reminder_due")]

    def __str__(self) -> str:
        return f"remind {self.person} of {self.rotation} at {self.due_at}"
