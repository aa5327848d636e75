"""Events (a dispatch or an alert), every revision the sender sent, and what happened."""

from django.db import models

from edrops.ids import uuid7
from edrops.models.sources import Severity, Source
from rosters.models import Person, Team

# External ids of events edrops raises itself (a source gone silent, a source sending bad
# messages): a sender may not use them, so no body can revise or close those alarms.
OUR_ID_PREFIX = "edrops:"
# A note is one timeline entry (1,024 characters): the note, and who wrote it.
NOTE_MAX = 800
# The longest snooze (POST /api/v1/events/<id>/snooze): a day.
SNOOZE_MAX_MINUTES = 24 * 60


class SenderStatus(models.TextChoices):
    """The dispatch's state at the sender (OpenADR-like), kept apart from ours."""

    SCHEDULED = "scheduled"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class Integration(models.TextChoices):
    NATIVE = "native"
    PAGERDUTY = "pagerduty"
    ALERTMANAGER = "alertmanager"
    OPENADR_2B = "openadr2b", "OpenADR 2.0b"
    OPENADR_3 = "openadr3", "OpenADR 3"
    EDROPS = "edrops", "edrops itself"
    MANUAL = "manual", "paged by hand"


class Event(models.Model):
    class Status(models.TextChoices):
        TRIGGERED = "triggered"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"
        CANCELLED = "cancelled"

    OPEN = (Status.TRIGGERED, Status.ACKNOWLEDGED)
    CLOSED = (Status.RESOLVED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No index of its own: the dedup key (source, external_id) serves every lookup by source.
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="events")
    integration = models.CharField(
        max_length=16, choices=Integration.choices, default=Integration.NATIVE
    )
    external_id = models.CharField(max_length=255, help_text="the sender's id (dedup key)")
    revision = models.PositiveIntegerField(default=0)
    # For senders without revision numbers (PagerDuty, Alertmanager): a redelivery is a body
    # identical to the last accepted one.
    content_digest = models.CharField(max_length=64, blank=True, editable=False)
    sender_status = models.CharField(
        max_length=16, choices=SenderStatus.choices, default=SenderStatus.ACTIVE
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRIGGERED)

    summary = models.CharField(max_length=1024)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.CRITICAL)
    market = models.CharField(max_length=64, blank=True)
    program = models.CharField(max_length=64, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField()
    mw = models.DecimalField("MW", max_digits=12, decimal_places=3, null=True, blank=True)
    location = models.CharField(max_length=255, blank=True)
    resources = models.JSONField(default=list, blank=True)
    test = models.BooleanField(default=False)
    details = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    # The first page about it that reached a provider (the reports' "first page", /metrics'
    # edrops_first_page_seconds); set once, by a compare-and-set (services/observations.py).
    first_paged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Who, in words: a handle, a login without a Person, or "source:<name>".
    acknowledged_by_name = models.CharField(max_length=150, blank=True)
    acknowledged_via = models.CharField(max_length=32, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    closed_by_name = models.CharField(max_length=150, blank=True)
    closed_via = models.CharField(max_length=32, blank=True)

    # A page by hand (POST /api/v1/pages, the dashboard's "Page a team"): who sent it, in
    # words as `acknowledged_by_name` (a handle, or a login without a Person).
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_by_name = models.CharField(max_length=150, blank=True)
    # Paged alone, by their contact rules, instead of by the team's policy: a page to a person,
    # or an event reassigned to one (services/controls.py).
    assigned_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # A snooze: the acknowledged event goes back to triggered at this moment (the clock's
    # claim, services/wakeups.py, stamps `wake_queued_at` as it does `step_queued_at`). A
    # dispatch's start re-pages without a field of its own: see wakeups.due_to_wake.
    wake_at = models.DateTimeField(
        null=True, blank=True, help_text="snoozed: triggered again at this moment"
    )
    wake_queued_at = models.DateTimeField(
        null=True, blank=True, help_text="when the wake-up task was queued (the clock's claim)"
    )

    # Escalation. The policy is a snapshot taken when the first step runs (again when the event
    # reopens); empty until then. Editing a policy doesn't change a page already in flight.
    # (step_index, pass_index) is the next step to run; a step task carries the pair it was
    # queued for, so a redelivered task finds the pair moved on and does nothing.
    policy = models.JSONField(default=dict, blank=True)
    step_index = models.PositiveSmallIntegerField(default=0)
    pass_index = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(
        null=True, blank=True, help_text="when the next step is due; empty: nothing armed"
    )
    step_queued_at = models.DateTimeField(
        null=True, blank=True, help_text="when the due step's task was queued (the clock's claim)"
    )
    last_step_at = models.DateTimeField(null=True, blank=True)
    paging = models.JSONField(default=list, blank=True, help_text="handles the last step paged")
    exhausted_at = models.DateTimeField(
        null=True, blank=True, help_text="every step ran (with repeats) and nobody acknowledged"
    )
    ack_code = models.PositiveIntegerField(
        null=True, blank=True, help_text="the number in 'Reply 4 to ack'"
    )
    # Who may act on it besides its team (edrops/permissions.py): anyone a step paged.
    paged_people = models.ManyToManyField(
        Person, related_name="+", blank=True, help_text="everyone an escalation step paged"
    )
    # It arrived during this maintenance window (the board's and the timeline's mark), and how
    # that holds its paging back: `silent`, nothing armed until someone starts paging it;
    # `slack`, its steps page on Slack only. Empty once paging was started by hand.
    maintenance = models.ForeignKey(
        "edrops.MaintenanceWindow",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        db_index=False,
    )
    maintenance_mode = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The dedup key. Concurrent redeliveries race on this, not on a read-then-write.
            models.UniqueConstraint(fields=["source", "external_id"], name="event_dedup_key"),
            # Two open events never share a code; see services.page_text.assign_ack_code.
            # Events without a code yet (every new one) are left out of the index.
            models.UniqueConstraint(
                fields=["ack_code"],
                condition=models.Q(
                    status__in=["triggered", "acknowledged"], ack_code__isnull=False
                ),
                name="event_open_ack_code",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="event_newest_first"),
            # A window's events (deleting one sets theirs to NULL); most events have none.
            models.Index(
                fields=["maintenance"],
                condition=models.Q(maintenance__isnull=False),
                name="event_maintenance",
            ),
            # Who acknowledged or closed, for deleting a person; partial, so the many events
            # nobody has touched yet (every new one) cost these indexes nothing.
            models.Index(
                fields=["acknowledged_by"],
                condition=models.Q(acknowledged_by__isnull=False),
                name="event_acknowledged_by",
            ),
            models.Index(
                fields=["closed_by"],
                condition=models.Q(closed_by__isnull=False),
                name="event_closed_by",
            ),
            models.Index(fields=["status", "-created_at"], name="event_status_newest"),
            # The dashboard's "recently closed" list.
            models.Index(
                fields=["-closed_at"],
                condition=models.Q(closed_at__isnull=False),
                name="event_recently_closed",
            ),
            # The clock's question every second: which armed steps are due?
            models.Index(
                fields=["next_step_at"],
                condition=models.Q(status="triggered", next_step_at__isnull=False),
                name="event_step_due",
            ),
            # And which acknowledged events wake up (a snooze ends, a dispatch starts): few
            # rows, the open acknowledged ones.
            models.Index(
                fields=["status"],
                condition=models.Q(status="acknowledged"),
                name="event_acknowledged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.summary[:60]}"

    @property
    def dedup_key(self) -> str:
        return self.external_id

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def from_vtn(self) -> bool:
        """An OpenADR VTN's event: it can be declined (the VTN is told optOut)."""
        return self.integration in (Integration.OPENADR_2B, Integration.OPENADR_3)


class EventRevision(models.Model):
    """Every accepted body, as the sender sent it (tokens removed)."""

    # Indexed by the unique (event, revision).
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    revision = models.PositiveIntegerField()
    sender_status = models.CharField(max_length=16, choices=SenderStatus.choices)
    received_at = models.DateTimeField()
    body = models.JSONField()

    class Meta:
        ordering = ["event", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["event", "revision"], name="event_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} r{self.revision}"


class TimelineEntry(models.Model):
    class Kind(models.TextChoices):
        RECEIVED = "received"
        REVISED = "revised"
        NOTIFIED = "notified"
        DELIVERED = "delivered"
        FAILED = "failed"
        ESCALATED = "escalated"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"
        CANCELLED = "cancelled"
        REPLY = "reply"
        UNREACHABLE = "unreachable"
        NOTE = "note"
        SUPPRESSED = "suppressed"  # held back by a maintenance window
        VTN = "vtn", "told the VTN"
        REASSIGNED = "reassigned"
        SNOOZED = "snoozed"
        RETRIGGERED = "retriggered"

    class Channel(models.TextChoices):
        SLACK = "slack"
        SMS = "sms"
        VOICE = "voice"
        EMAIL = "email"
        OUTBOX = "outbox"
        WEB = "web"
        API = "api"
        PAGERDUTY = "pagerduty"
        WEBHOOK = "webhook"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    detail = models.CharField(max_length=1024, blank=True)

    class Meta:
        ordering = ["event", "at", "id"]
        verbose_name_plural = "timeline entries"
        indexes = [
            # Partial: most entries (received, revised, escalated) name nobody.
            models.Index(
                fields=["person"],
                condition=models.Q(person__isnull=False),
                name="timeline_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}"


class RejectedMessage(models.Model):
    """A body we answered 400: kept byte for byte so a human can see what the sender did."""

    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="rejected"
    )
    endpoint = models.CharField(max_length=255)
    received_at = models.DateTimeField()
    errors = models.JSONField()
    # Exactly what arrived, even when it is not UTF-8; `body` is for reading.
    raw_body = models.BinaryField()
    content_type = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["source", "-received_at"], name="rejected_by_source"),
            # The newest-first list, and the clock's prune of the oldest.
            models.Index(fields=["received_at"], name="rejected_received_at"),
        ]

    def __str__(self) -> str:
        return f"{self.source or '?'} at {self.received_at:%Y-%m-%d %H:%M:%S}"

    @property
    def body(self) -> str:
        return bytes(self.raw_body).decode("utf-8", errors="replace")
