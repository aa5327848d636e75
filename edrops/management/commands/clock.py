import signal
import threading

from django.core.management.base import BaseCommand

from edrops import clock


class Command(BaseCommand):
    help = "Wake every second: enqueue due escalation steps, contact rules and heartbeat checks."

    def handle(self, *args, **options):
        stop = threading.Event()

        def finish(signum, frame):
            # Let the current tick finish: its claims and enqueues commit together.
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)
        clock.run(stop=stop)
