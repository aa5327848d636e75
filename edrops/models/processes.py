from django.db import models


class ProcessCheckIn(models.Model):
    """One row per running worker or clock process, touched while it is alive.

    Healthchecks' most common complaint is "no alerts because the sender wasn't running".
    These rows are how /readyz and the dashboard notice a dead worker or clock.
    """

    class Role(models.TextChoices):
        WORKER = "worker"
        CLOCK = "clock"
        VEN = "ven"

    role = models.CharField(max_length=16, choices=Role.choices)
    name = models.CharField(max_length=255, help_text="host:pid of the process")
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "name"], name="process_check_in_unique")
        ]
        indexes = [models.Index(fields=["role", "-last_seen"])]

    def __str__(self) -> str:
        return f"{self.role} {self.name}"
