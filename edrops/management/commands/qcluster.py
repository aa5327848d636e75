"""django-q2's `qcluster`, plus a check-in that proves the workers are taking tasks, and a
shutdown that survives supervisors.

Every few seconds this process enqueues a tiny `worker_check_in` task; whichever worker runs it
records that it is alive. So "a worker was seen" means the whole path broker → worker → database
works, not merely that a process exists. A stuck or dead pool stops checking in, and /readyz
says so.
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as DjangoQCommand
from django_q.tasks import async_task

log = logging.getLogger(__name__)

CHECK_INS_PER_TIMEOUT = 6


class Command(DjangoQCommand):
    help = "Start the django-q2 workers (escalation steps, deliveries) and report them alive."

    def handle(self, *args, **options):
        if options.get("run_once"):
            return super().handle(*args, **options)
        settings.SECRET_KEY  # noqa: B018 -- upstream checks it too: tasks are signed with it
        cluster = Cluster()
        stop = threading.Event()
        # Replace Cluster's own handler: it calls stop() from inside the signal handler, which
        # deadlocks when the signal went to the whole process group (honcho, Ctrl-C): the
        # sentinel dies of the same SIGTERM while waiting on the event stop() sets.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        cluster.start()

        interval = settings.LIVENESS_TIMEOUT / CHECK_INS_PER_TIMEOUT
        next_check_in = 0.0
        while cluster.sentinel.is_alive() and not stop.is_set():
            if time.monotonic() >= next_check_in:
                next_check_in = time.monotonic() + interval
                try:
                    async_task(
                        "edrops.tasks.worker_check_in", save=False, task_name="worker check-in"
                    )
                except Exception:
                    log.exception("could not enqueue the worker check-in; retrying")
            stop.wait(0.2)

        # A signal to the whole group has already killed the sentinel and its workers (their
        # tasks reappear in the queue after Q_RETRY: delivery is at least once). A signal to
        # this process alone (docker stop, kill PID) stops the pool gracefully instead.
        cluster.sentinel.join(timeout=0.5)
        if cluster.sentinel.is_alive():
            cluster.stop()
