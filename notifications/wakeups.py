"""Waking a cluster the moment a task is queued (PostgreSQL), instead of at its next poll.

A trigger on django-q2's queue table (notifications migration 0005) sends
`NOTIFY edrops_tasks` for every statement that queues tasks. PostgreSQL delivers a
notification when its transaction commits, so a worker is woken exactly when the task it will
take becomes visible, and never for a task that was rolled back. The broker waits for one on a
connection of its own (a LISTEN ties up a connection for good, so not the thread's ORM one)
for at most the poll interval: a task whose lease ran out (its cluster died) is queued by no
one, and the poll still finds it.

On SQLite, with `Q_WAKEUPS` off (PgBouncer in transaction mode), or while the listening
connection is down, the broker sleeps the poll interval as
before: the wake-up is a shortcut, never the only way a task is found.
"""

import contextlib
import logging
import time

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

CHANNEL = "edrops_tasks"

# After the listening connection fails, how long to poll before trying it again.
RECONNECT_AFTER = 5.0


class Wakeups:
    """A LISTEN on the queue's channel, for one pusher (one process, one thread)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.wrapper = None
        self.retry_at = 0.0

    def wait(self, timeout: float) -> bool:
        """Return when a task was queued (True) or after `timeout` seconds (False)."""
        connection = self._listening()
        if connection is None:
            time.sleep(timeout)
            return False
        try:
            woken = any(True for _ in connection.notifies(timeout=timeout, stop_after=1))
            # Several may have arrived together: one take() serves them all.
            for _ in connection.notifies(timeout=0):
                pass
            return woken
        except Exception as error:  # the database went away: poll until it is back
            log.warning("task queue: wake-ups lost (%s); polling meanwhile", error)
            self.close()
            self.retry_at = time.monotonic() + RECONNECT_AFTER
            return False

    def _listening(self):
        if self.wrapper is not None:
            return self.wrapper.connection
        if not settings.Q_WAKEUPS or connections[self.alias].vendor != "postgresql":
            return None
        if time.monotonic() < self.retry_at:
            return None
        wrapper = connections.create_connection(self.alias)
        try:
            wrapper.ensure_connection()
            wrapper.connection.autocommit = True
            wrapper.connection.execute(f"LISTEN {CHANNEL}")
        except Exception as error:
            log.warning("task queue: cannot listen for wake-ups (%s); polling", error)
            wrapper.close()
            self.retry_at = time.monotonic() + RECONNECT_AFTER
            return None
        self.wrapper = wrapper
        return wrapper.connection

    def close(self) -> None:
        if self.wrapper is not None:
            with contextlib.suppress(Exception):  # closing a connection that is already gone
                self.wrapper.close()
            self.wrapper = None
