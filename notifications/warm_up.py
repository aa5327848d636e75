"""A queue worker made ready when it is spawned, not by its first page.

Measured (bench/escalation.py): each worker's first page reached the provider 0.15-0.4 s later
than the rest, the time it took that page to load the URL configuration (the first `reverse`,
for Twilio's status callback URL), build the Twilio client and open a database connection.
With four workers that was the first page's p99. django-q2 sends `post_spawn` in each worker
as it starts, before it takes a task: the cost moves there.
"""

import logging

from django.db import connection
from django.urls import get_resolver

from notifications.channels import twilio_api

log = logging.getLogger(__name__)


def warm_up(**_) -> None:
    try:
        get_resolver().reverse_dict  # noqa: B018  (loads every URLconf and view module)
        twilio_api.client()
        connection.ensure_connection()
    except Exception:
        # A worker that can't warm up still works: its first task pays the price, or fails
        # and is retried like any other.
        log.warning("worker warm-up failed; its first task will do it", exc_info=True)
