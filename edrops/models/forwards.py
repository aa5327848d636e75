"""Answers from services an event was forwarded to (PagerDuty's v3 webhooks)."""

from django.db import models

from edrops.models.events import Event


class ForwardAnswer(models.Model):
    """An acknowledge or resolve a service outside sent back, kept by the service's own id for
    it (PagerDuty's `event.id`): the same one again is a replay, and changes nothing."""

    key = models.CharField(
        max_length=160, unique=True, help_text="the service's id for it: pagerduty:<event.id>"
    )
    received_at = models.DateTimeField()
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, help_text="acknowledge or resolve")
    by = models.CharField(max_length=150, help_text="who, as the service said: PagerDuty (Tenex)")
    outcome = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.key}: {self.action} by {self.by}"
