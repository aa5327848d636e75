"""django-q2 task entry points: thin, they call services."""

from django.utils import timezone

from edrops import services
from edrops.models import ProcessCheckIn


def worker_check_in() -> None:
    """Run by whichever worker picks it up: proves the broker → worker path works."""
    services.check_in(role=ProcessCheckIn.Role.WORKER, now=timezone.now())
