"""What was sent to whom, how it went, and what came back.

A Notification is one message to one person over one channel about one opaque `reference`
(the engine uses an event's UUID; this app never looks inside it) — or, as a *channel post*,
one Slack message to a channel for nobody in particular (`person` empty, `slack_channel` set), or,
as a *forward*, one message to a service outside (PagerDuty's Events API v2, a signed webhook:
`person` empty, `destination` set).
Its state only moves forward through compare-and-set updates, so any number of workers and
clocks can share it:

    pending ──claim──► sending ──► sent ──► delivered
       ▲                  │          └────► failed      (provider said undelivered / not reached)
       └──transient error─┤
                          ├──────► failed               (permanent error, or out of attempts)
    pending ─────────────────────► suppressed           (over a limit, or cancelled by the engine)
"""

from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q
from django.utils import timezone

from rosters.models import Channel, Person

__all__ = [
    "Channel",
    "InboundReply",
    "Notification",
    "NotificationLog",
    "Outbound",
    "OutboxMessage",
]


class Outbound(models.TextChoices):
    """Services outside that an escalation step forwards an event to (`pagerduty:ROUTING_KEY`,
    `webhook:NAME`). Not a person's channel: nobody chooses them in a contact rule."""

    PAGERDUTY = "pagerduty", "PagerDuty"
    WEBHOOK = "webhook", "webhook"


def shown_destination(channel: str, destination: str) -> str:
    """How a forward's destination is written wherever people read (timeline, logs, admin, API):
    a webhook by its name, PagerDuty by the last four characters of its routing key, which is a
    secret (anyone holding it can open incidents on that service)."""
    if channel == Outbound.PAGERDUTY:
        return f"PagerDuty …{destination[-4:]}"
    return f"webhook {destination}"


class Notification(models.Model):
    """One message, and everything that happened to it.

    A channel post (a step's `slack:CHANNEL` target, a notice to a team's channel) is the same
    row with `person` empty and `slack_channel` set, rather than a model of its own: it goes
    through the same queue, claim, retries, outbox, log and timeline, and its Slack message is
    updated with the event's others. What differs is small and keyed on `person` being empty:
    times are shown in `time_zone` (the team's, given by the engine), per-person limits don't
    apply, and a failure has no next contact rule to move forward.

    A forward is that row too, with `channel` pagerduty or webhook and `destination` the routing
    key or the webhook's name: a trigger is a `page`, an acknowledge or resolve that follows it a
    `status` message. Its `content` is what the engine rendered for the service (the Events API
    payload, the webhook's body), sent as it is.
    """

    class Kind(models.TextChoices):
        PAGE = "page", "page"
        BUNDLE = "bundle", "bundle of held pages"
        STATUS = "status", "status message"
        TEST = "test", "test page"  # "This is a test page from edrops" (services.contact_checks)

    class State(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        DELIVERED = "delivered"
        FAILED = "failed"
        SUPPRESSED = "suppressed"

    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text="who it is for; empty for a post to a Slack channel",
    )
    channel = models.CharField(max_length=16, choices=[*Channel.choices, *Outbound.choices])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PAGE)
    reference = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="what it is about (an event id)"
    )
    content = models.JSONField(default=dict, help_text="the PageContent it was rendered from")
    team_slack_channel = models.CharField(max_length=32, blank=True)
    slack_channel = models.CharField(
        max_length=32, blank=True, help_text="a channel post: the Slack channel it goes to"
    )
    destination = models.CharField(
        max_length=255,
        blank=True,
        help_text="a forward: the PagerDuty routing key or the webhook's name (WEBHOOKS)",
    )
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="IANA; how a channel post shows times"
    )
    text = models.TextField(blank=True, help_text="exactly what was sent")
    subject = models.CharField(max_length=255, blank=True)
    via_outbox = models.BooleanField(
        default=False, help_text="written to the outbox: the provider had no credentials"
    )
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    held_in = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_pages",
        help_text="the bundle that carries this page, when a limit held it back",
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="not sent before this")
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="when a delivery task was last queued (the clock's claim)"
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="when it went to the provider; what limits count"
    )
    sending_task = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="the queue task sending it, while `sending`: once that task's lease has run"
        " out, its worker is gone and the page is sent again",
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when what it is about was acknowledged or closed (its Slack posts rewritten);"
        " a page about it again, once it reopens, is a new post",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="notification_due"),
            models.Index(fields=["person", "channel", "sent_at"], name="notification_sent"),
        ]
        constraints = [
            # For a person, a Slack post to a channel, or a forward: one, never two, never none.
            models.CheckConstraint(
                condition=Q(person__isnull=False, slack_channel="", destination="")
                | (
                    Q(person__isnull=True, channel="slack", destination="")
                    & ~Q(slack_channel="")
                )
                | (
                    Q(person__isnull=True, channel__in=Outbound.values, slack_channel="")
                    & ~Q(destination="")
                ),
                name="notification_one_addressee",
            ),
            # A page goes to a channel once per reference until it is answered (see
            # schedule_channel_page).
            models.UniqueConstraint(
                fields=["reference", "slack_channel"],
                condition=Q(
                    kind="page", person__isnull=True, channel="slack", answered_at__isnull=True
                ),
                name="channel_page_once",
            ),
            # And an event is forwarded to a service once until it is answered (see
            # schedule_forward): PagerDuty dedups by our key, a webhook's receiver shouldn't
            # have to.
            models.UniqueConstraint(
                fields=["reference", "channel", "destination"],
                condition=Q(kind="page", answered_at__isnull=True) & ~Q(destination=""),
                name="forward_once",
            ),
        ]

    # Messages whose failure moves no contact rule forward and tells the engine nothing: a lost
    # status message is no reason to page harder, and a failed test page is the answer its
    # sender asked for.
    NO_FOLLOW_UP = (Kind.STATUS, Kind.TEST)

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} to {self.addressee} by {self.channel}: {self.state}"

    @property
    def addressee(self) -> str:
        if self.person_id:
            return str(self.person)
        if self.destination:
            return shown_destination(self.channel, self.destination)
        return self.slack_channel

    @property
    def is_forward(self) -> bool:
        return self.channel in Outbound.values

    @property
    def tz(self) -> ZoneInfo:
        """The reader's time zone: the person's, or the one given for a channel post."""
        return self.person.tz if self.person_id else ZoneInfo(self.time_zone or "UTC")

    @property
    def references(self) -> list[str]:
        """Everything this message asks the person to acknowledge (a bundle: all it carries)."""
        if self.kind == self.Kind.BUNDLE:
            return list(self.content.get("references", []))
        return [self.reference] if self.reference else []


class NotificationLog(models.Model):
    """One line per state change, for the admin and the event timeline ("failed: twilio 21211
    invalid number", "suppressed: SMS limit 5 per 15 min, held for a bundle")."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=Notification.State.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.state} {self.detail}"


class SlackMessage(models.Model):
    """A posted Slack message (a channel or a DM), kept so it can be updated later."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="slack_messages"
    )
    channel = models.CharField(max_length=32, help_text="where it was posted (C…, D… or U…)")
    ts = models.CharField(max_length=32)
    is_direct = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "ts"], name="slack_message_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.ts}"


class OutboxMessage(models.Model):
    """What a provider without credentials would have been sent, shown at /outbox/."""

    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    to = models.CharField(max_length=255, help_text="phone, Slack channel or user id")
    subject = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}"


class InboundReply(models.Model):
    """An SMS, a key press or a Slack button click, as it came in. The engine decides what it
    means (settings.NOTIFICATIONS_REPLY_TASK receives its id)."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    notification = models.ForeignKey(
        Notification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        help_text="the message answered, when the provider tells us (calls, Slack)",
    )
    sender = models.CharField(max_length=64, help_text="phone number or Slack user id")
    text = models.TextField(blank=True, help_text="SMS body, digits pressed or button value")
    action = models.CharField(
        max_length=32, blank=True, help_text="Slack action_id (acknowledge, acknowledge_all)"
    )
    received_at = models.DateTimeField()
    raw = models.JSONField(default=dict, help_text="the provider's parameters")
    provider_key = models.CharField(
        max_length=160,
        blank=True,
        help_text="the provider's id for this callback (Twilio MessageSid, CallSid and digits, "
        "Slack action_ts and user): the same one again is a replay, applied once",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "inbound replies"
        constraints = [
            models.UniqueConstraint(
                fields=["provider_key"],
                condition=~Q(provider_key=""),
                name="inbound_reply_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} from {self.person or self.sender}: {self.text!r}"
