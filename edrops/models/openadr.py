"""Sources that are OpenADR VENs: edrops polls a utility's VTN (OpenADR 2.0b or 3) for its
events instead of being sent them, and tells the VTN whether the aggregator takes part.

`Vtn` is the source's link to its VTN and the lease that makes one `ven` process its owner;
`OptAnswer` is an answer owed to the VTN (an outbox: acknowledge, decline and the respond-by
default write one in their own transaction, the owning `ven` process sends it and records the
VTN's reply)."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

from edrops.models.events import Event
from edrops.models.sources import Source


def validate_http_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"{value!r} is not an http:// or https:// URL")


class Opt(models.TextChoices):
    """OpenADR's two answers (2.0b `oadrCreatedEvent` optType; 3 has no opt of its own)."""

    IN = "optIn"
    OUT = "optOut"


class Vtn(models.Model):
    class Protocol(models.TextChoices):
        OPENADR_2B = "2.0b", "OpenADR 2.0b"
        OPENADR_3 = "3", "OpenADR 3"

    source = models.OneToOneField(
        Source, primary_key=True, on_delete=models.CASCADE, related_name="vtn"
    )
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    # Not a URLField: its validator refuses hosts without a dot, and a VTN on the same
    # network is often `http://vtn:8080/...`.
    url = models.CharField("VTN URL", max_length=500, validators=[validate_http_url])
    ven_name = models.CharField(
        "VEN name", max_length=128, blank=True, help_text="how the VTN knows us (2.0b; 3: client)"
    )
    ven_id = models.CharField(
        "VEN id", max_length=128, blank=True, help_text="empty: the VTN assigns one at registration"
    )
    poll_interval = models.DurationField(
        default=timedelta(seconds=10),
        help_text="the fastest it polls; a 2.0b VTN's requested rate wins when it asks for one",
    )
    default_opt = models.CharField(
        max_length=8,
        choices=Opt.choices,
        default=Opt.OUT,
        help_text="the answer a 2.0b VTN gets at once, before anyone has acknowledged",
    )
    # 2.0b over TLS: file paths the ven process reads (PEM).
    cert = models.CharField(max_length=500, blank=True, help_text="path to our certificate")
    key = models.CharField(max_length=500, blank=True, help_text="path to our private key")
    vtn_ca = models.CharField(max_length=500, blank=True, help_text="path to the VTN's CA")
    # OpenADR 3: OAuth2 client credentials, and the program whose events we read.
    client_id = models.CharField(max_length=4096, blank=True)
    client_secret = models.CharField(max_length=4096, blank=True)
    program = models.CharField(max_length=128, blank=True, help_text="3: programName; empty: all")

    # The lease: the one `ven` process polling this VTN, until `lease_until` (renewed every
    # second; another process takes over once it has passed).
    owner = models.CharField(max_length=255, blank=True, help_text="host:pid of the ven process")
    lease_until = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    # OpenADR 3 webhooks: the bearer token we gave the VTN's subscription (hashed; a new one
    # each time the ven process subscribes, so an older subscription's calls are refused).
    hook_token_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "VTN"

    def __str__(self) -> str:
        return f"{self.source.name} → {self.url} (OpenADR {self.protocol})"

    def clean(self) -> None:
        """Settings that can't work, for create_source, the roster file and the admin alike."""
        problems = {}
        if self.protocol == self.Protocol.OPENADR_2B and not self.ven_name:
            problems["ven_name"] = "an OpenADR 2.0b VEN needs a name (--ven-name)"
        if self.protocol == self.Protocol.OPENADR_3 and not (self.client_id and self.client_secret):
            problems["client_id"] = "an OpenADR 3 VEN needs --client-id and --client-secret"
        if bool(self.cert) != bool(self.key):
            problems["cert"] = "give both a certificate and its key, or neither"
        if self.poll_interval is not None and self.poll_interval < timedelta(seconds=1):
            problems["poll_interval"] = "poll at most once a second"
        if problems:
            raise ValidationError(problems)


class OptAnswer(models.Model):
    """An answer the VEN owes the VTN for `event`, sent by the ven process that owns its source."""

    class Reason(models.TextChoices):
        ACKNOWLEDGED = "acknowledged"
        DECLINED = "declined"
        UNANSWERED = "unanswered", "nobody answered by respond-by"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="opt_answers")
    opt = models.CharField(max_length=8, choices=Opt.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    vtn_reply = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The ven process's question every second: what is owed?
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="opt_answer_owed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.opt} for {self.event_id} ({self.reason})"
