"""Start-up checks (`manage.py check`, and every command that starts a process)."""

import itertools
from urllib.parse import urlsplit

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


@register()
def outbound(app_configs, **kwargs) -> list[Error]:
    """WEBHOOKS and PAGERDUTY_EVENTS_URL, checked at start-up rather than at the first page
    (the messages never repeat a secret)."""
    errors = []
    hooks = settings.WEBHOOKS
    if not isinstance(hooks, dict):
        hooks = {}
        errors.append("WEBHOOKS must be a JSON object: {\"NAME\": {\"url\": ..., \"secret\": ...}}")
    for name, hook in hooks.items():
        url = hook.get("url") if isinstance(hook, dict) else None
        secret = hook.get("secret") if isinstance(hook, dict) else None
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            errors.append(f"WEBHOOKS[{name!r}] needs a \"url\" starting http:// or https://")
        if not isinstance(secret, str) or not secret:
            errors.append(f"WEBHOOKS[{name!r}] needs a \"secret\" to sign its bodies with")
    events = urlsplit(settings.PAGERDUTY_EVENTS_URL)
    loopback = events.scheme == "http" and events.hostname in ("127.0.0.1", "localhost", "::1")
    if events.scheme != "https" and not loopback:
        errors.append("PAGERDUTY_EVENTS_URL must be https:// (http:// only on loopback)")
    return [Error(e, hint="See docs/API.md, Forwarding.", id="edrops.E002") for e in errors]
