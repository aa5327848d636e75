"""Start-up checks (`manage.py check`, and every command that starts a process)."""

import itertools

from django.conf import settings
from django.core.checks import Error, register


@register()
def recovery_timers(app_configs, **kwargs) -> list[Error]:
    """The recovery chain of settings.py, in order: a link shorter than the one before it
    would take back work that is merely slow, and send a page twice every time."""
    chain = [
        ("PROVIDER_TIMEOUT", settings.PROVIDER_TIMEOUT),
        ("STUCK_SENDING_AFTER", settings.STUCK_SENDING_AFTER.total_seconds()),
        ("Q_TIMEOUT", settings.Q_CLUSTER["timeout"]),
        ("Q_RETRY", settings.Q_CLUSTER["retry"]),
    ]
    return [
        Error(
            f"{name} ({seconds:g} s) must be longer than {before} ({before_seconds:g} s)",
            hint="See 'Recovery' in edrops/settings.py.",
            id="edrops.E001",
        )
        for (before, before_seconds), (name, seconds) in itertools.pairwise(chain)
        if seconds <= before_seconds
    ] + task_lease()


def task_lease() -> list[Error]:
    # Renewed every second: a lease of a few seconds outlives a slow renewal; one as long as
    # Q_RETRY would make it pointless.
    lease, retry = settings.TASK_LEASE.total_seconds(), settings.Q_CLUSTER["retry"]
    if 3 <= lease < retry:
        return []
    return [
        Error(
            f"TASK_LEASE ({lease:g} s) must be at least 3 s and shorter than Q_RETRY ({retry} s)",
            hint="See 'Recovery' in edrops/settings.py.",
            id="edrops.E001",
        )
    ]
