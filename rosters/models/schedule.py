"""Rotations (who takes the pager, shift by shift) and the overrides that replace them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models

from rosters.models.people import Person, Team
from rosters.validators import validate_timezone

# A shift shorter than the longest DST jump (an hour) could hand over *before* the previous
# handoff once both are read on the wall clock; an hour keeps handoffs in order.
MIN_SHIFT = timedelta(hours=1)


class Rotation(models.Model):
    """People take turns, in order, each for one shift. Handoffs happen at the same local
    wall-clock time in the rotation's zone, so a weekly 09:00 handoff stays at 09:00 across
    DST (that week lasts 167 or 169 hours)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rotations")
    name = models.SlugField(max_length=64)
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA, e.g. America/Chicago"
    )
    start_date = models.DateField(help_text="local date of the first handoff")
    start_time = models.TimeField(
        help_text="local wall-clock time of the first handoff; later handoffs keep it"
    )
    shift = models.DurationField(
        help_text="e.g. 12:00:00 for 12 hours, 1 00:00:00 for a day, 7 00:00:00 for a week"
    )

    class Meta:
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="rotation_name_unique_in_team"),
            models.CheckConstraint(
                condition=models.Q(shift__gte=MIN_SHIFT),
                name="rotation_shift_at_least_an_hour",
                violation_error_message="A shift must last at least an hour.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id and self.team.slug}/{self.name}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def first_handoff_local(self) -> datetime:
        """Naive: a wall-clock time in `timezone`, not an instant."""
        return datetime.combine(self.start_date, self.start_time)

    def clean(self) -> None:
        if self.shift is not None:
            if self.shift < MIN_SHIFT:
                raise ValidationError({"shift": "A shift must last at least an hour."})
            if self.shift.total_seconds() % 60:
                raise ValidationError({"shift": "A shift must be a whole number of minutes."})


class RotationMember(models.Model):
    """One place in a rotation's order. The same person may hold more than one place."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rotation", "position", "id"]

    def __str__(self) -> str:
        return f"{self.rotation}#{self.position}: {self.person}"


class Override(models.Model):
    """Someone else takes a rotation for a span: a swap, a sick day, a holiday. Stored in UTC;
    the admin and the roster file speak the rotation's local time."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="overrides")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["rotation", "starts_at", "id"]
        indexes = [models.Index(fields=["rotation", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="override_ends_after_it_starts",
                violation_error_message="An override must end after it starts.",
            )
        ]

    def __str__(self) -> str:
        starts = self.starts_at.astimezone(self.rotation.tz)
        return f"{self.person} on {self.rotation} from {starts:%Y-%m-%d %H:%M %Z}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "An override must end after it starts."})


class SwapRequest(models.Model):
    """ "Can someone take my shift?": asked from the schedule page for a span of a rotation; the
    member who accepts it gets an override for that span (rosters/services/shifts.py)."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="swap_requests")
    asked_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override = models.OneToOneField(
        Override, null=True, blank=True, on_delete=models.SET_NULL, related_name="swap_request"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="swap_request_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asked_by} asks for a swap on {self.rotation} from {self.starts_at:%Y-%m-%d}"
