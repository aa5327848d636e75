"""Failed API credentials per client address (edrops/services/api_lockout.py keeps it)."""

from django.db import models


class ApiAuthFailures(models.Model):
    """One client address's failed tokens (a person's or a source's) in its current run: the
    failures that each came within the cool-off of the one before. Deleting the row unlocks the
    address (the admin's *Delete*)."""

    address = models.CharField(
        max_length=45, primary_key=True, help_text="the client's, as TRUSTED_PROXIES tell it"
    )
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    last_failure_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "API lockout"
        verbose_name_plural = "API lockouts (failed tokens per address)"

    def __str__(self) -> str:
        return f"{self.address}: {self.failures} failed"
