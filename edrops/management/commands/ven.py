import asyncio
import signal

from django.core.management.base import BaseCommand

from edrops.openadr.ven import Ven


class Command(BaseCommand):
    help = "Run every OpenADR source's VEN: poll its VTN, page for its events, send the answers."

    def handle(self, *args, **options):
        asyncio.run(self._run())

    async def _run(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await Ven().run(stop=stop)
