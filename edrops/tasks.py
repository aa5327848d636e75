"""django-q2 task entry points: thin, they call services."""

from django.utils import timezone

from edrops import services
from edrops.models import ProcessCheckIn


def worker_check_in() -> None:
    """Run by whichever worker picks it up: proves the broker → worker path works."""
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=timezone.now())


def run_escalation_step(event_id: str) -> bool:
    """The event's first escalation step (enqueued with the event, in the same transaction)."""
    return services.request_escalation(event_id=event_id, now=timezone.now())
