"""People, how to reach them, and the teams they belong to."""

import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from rosters.validators import (
    format_duration,
    normalize_phone,
    validate_handle,
    validate_timezone,
)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Channel(models.TextChoices):
    """How a page can reach a person. (The outbox stands in for a channel without credentials;
    it is not something a person chooses.)"""

    SLACK = "slack", "Slack"
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice call"
    EMAIL = "email", "Email"


class Role(models.TextChoices):
    """What a person may do with events (edrops/permissions.py, API.md "Who may do what").
    Kept in step with the Django groups of the same names on their login
    (rosters/services/roles.py)."""

    RESPONDER = "responder", "Responder: their teams' events, and what they were paged for"
    LEAD = "lead", "Lead: every team's events"


class Person(models.Model):
    handle = models.CharField(max_length=64, unique=True, validators=[validate_handle])
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=20, blank=True, help_text="E.164, e.g. +13125550101 (written so when saved)"
    )
    slack_user_id = models.CharField("Slack user id", max_length=32, blank=True)
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA, e.g. America/Chicago"
    )
    work_starts = models.TimeField(null=True, blank=True, help_text="local time")
    work_ends = models.TimeField(
        null=True, blank=True, help_text="local time; earlier than the start means overnight"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text="the login that acknowledges as this person on the web",
    )
    role = models.CharField(
        max_length=16,
        choices=Role.choices,
        default=Role.RESPONDER,
        help_text="also the login's group: Responders or Leads",
    )
    calendar_token = models.CharField(
        max_length=64, unique=True, default=new_calendar_token, editable=False
    )

    class Meta:
        ordering = ["handle"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.handle

    def clean(self) -> None:
        errors = {}
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as e:
                errors["phone"] = e.messages
        if (self.work_starts is None) != (self.work_ends is None):
            errors["work_ends"] = ["Give both ends of the working hours, or neither."]
        elif self.work_starts is not None and self.work_starts == self.work_ends:
            # As the roster file says: hours that end as they start are no hours at all.
            errors["work_ends"] = ["The working hours start and end at the same time."]
        if errors:
            raise ValidationError(errors)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def working_hours(self) -> str:
        if self.work_starts is None or self.work_ends is None:
            return ""
        return f"{self.work_starts:%H:%M}-{self.work_ends:%H:%M}"

    def is_working(self, at: datetime) -> bool:
        """Inside their working hours at `at` (in their own time zone). No hours set: always."""
        if self.work_starts is None or self.work_ends is None:
            return True
        local: time = at.astimezone(self.tz).time()
        if self.work_starts <= self.work_ends:
            return self.work_starts <= local < self.work_ends
        return local >= self.work_starts or local < self.work_ends  # overnight, e.g. 22:00-06:00

    def next_working_start(self, at: datetime) -> datetime:
        """`at` if they are working then, else when their working hours next begin (local
        wall-clock time, so a DST change doesn't move it)."""
        if self.is_working(at):
            return at
        local = at.astimezone(self.tz)
        day = local.date() if local.time() < self.work_starts else local.date() + timedelta(days=1)
        return datetime.combine(day, self.work_starts, tzinfo=self.tz)


class ContactRule(models.Model):
    """One line of a person's own plan: 'SMS at once, call after 1 minute'. Delays count from
    the moment an escalation step reaches them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_rules")
    position = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    delay = models.DurationField(help_text="after the step reaches them, e.g. 0:00:00 or 0:01:00")

    class Meta:
        ordering = ["person", "position", "id"]

    def __str__(self) -> str:
        return f"{self.person}: {self.channel} after {format_duration(self.delay)}"


class Team(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA; how the team's pages and schedule are shown",
    )
    slack_channel = models.CharField("Slack channel id", max_length=32, blank=True)
    # OpenADR: a mandatory program's VTN may expect a yes unless someone says no.
    unanswered_opt = models.CharField(
        "answer when nobody answers",
        max_length=8,
        blank=True,
        choices=[("optIn", "optIn"), ("optOut", "optOut")],
        help_text="what an OpenADR VTN is told of an event nobody acknowledged or declined by "
        "its respond-by; empty: nothing",
    )
    members = models.ManyToManyField(Person, related_name="teams", blank=True)
    repage_at_start = models.BooleanField(
        "re-page at the dispatch's start",
        default=True,
        help_text="an acknowledged dispatch still unresolved when it starts (its starts_at) is "
        "paged again from step 1",
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
