from django.db import models


class BaselineDispatch(models.Model):
    """What the baseline endpoint inserts: one row, no dedup, no revisions, no queue."""

    external_id = models.CharField(max_length=255)
    summary = models.CharField(max_length=1024)
    body = models.JSONField()

    def __str__(self) -> str:
        return self.external_id
