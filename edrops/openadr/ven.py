"""The `ven` process: every OpenADR source's VEN, on one asyncio loop.

Once a second it checks in (so /readyz knows it runs), renews its leases and takes the VTNs
nobody holds (edrops/openadr/vtns.py: one owner per source; another process takes over within
a poll interval of this one dying), starts a VEN for each VTN it gained, stops the ones it
lost or whose settings changed, owes the respond-by defaults, and hands each VEN the answers
owed to its VTN (an acknowledgement in the web or a worker writes one; it is sent within a
second). Any number of ven processes may run against one database.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.utils import timezone

from edrops.models import OptAnswer, ProcessCheckIn, Vtn
from edrops.openadr import vtns
from edrops.openadr.client2b import Ven2b
from edrops.openadr.client3 import Ven3
from edrops.openadr.runner import Runner
from edrops.services import check_in, opt_answers, process_name

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 5.0)
VENS: dict[str, Callable[[Vtn], Runner]] = {
    Vtn.Protocol.OPENADR_2B: Ven2b,
    Vtn.Protocol.OPENADR_3: Ven3,
}
# A change to any of these restarts the source's VEN (a new URL, new credentials...).
SETTINGS = (
    "protocol", "url", "ven_name", "poll_interval", "default_opt", "cert", "key", "vtn_ca",
    "client_id", "client_secret", "program",
)  # fmt: skip


@dataclass(frozen=True)
class Tick:
    vtns: list[Vtn]
    owed: list[OptAnswer]


def tick(*, owner: str, now: datetime) -> Tick:
    """The database's part of a second: check in, leases, respond-by defaults, answers owed."""
    close_old_connections()  # the server may have closed it since the last tick
    check_in(role=ProcessCheckIn.Role.VEN, now=now, name=owner)
    owned = vtns.claim_vtns(owner=owner, now=now)
    ids = [vtn.pk for vtn in owned]
    opt_answers.owe_unanswered_defaults(source_ids=ids, now=now)
    return Tick(vtns=owned, owed=opt_answers.owed_answers(source_ids=ids))


@dataclass
class Running:
    runner: Runner
    task: asyncio.Task
    settings: tuple


class Ven:
    def __init__(self, *, owner: str | None = None):
        self.owner = owner or process_name()
        self.running: dict[int, Running] = {}

    async def run(self, *, stop: asyncio.Event) -> None:
        log.info("ven process %s started", self.owner)
        failures = 0
        while not stop.is_set():
            try:
                now = timezone.now()
                state = await sync_to_async(tick)(owner=self.owner, now=now)
                await self._follow(state)
                failures = 0
                wait = TICK_SECONDS
            except Exception:
                wait = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
                failures += 1
                log.exception("ven tick failed; retrying in %.0f s", wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
        for source_id in list(self.running):
            await self._stop(source_id)
        await sync_to_async(vtns.release_vtns)(owner=self.owner)
        log.info("ven process %s stopped", self.owner)

    async def _follow(self, state: Tick) -> None:
        wanted = {vtn.pk: vtn for vtn in state.vtns}
        for source_id, running in list(self.running.items()):
            vtn = wanted.get(source_id)
            if vtn is None or _settings(vtn) != running.settings or running.task.done():
                await self._stop(source_id)
        for source_id, vtn in wanted.items():
            if source_id not in self.running:
                self._start(vtn)
        for answer in state.owed:
            running = self.running.get(answer.event.source_id)
            if running is not None:
                running.runner.offer(answer)

    def _start(self, vtn: Vtn) -> None:
        runner = VENS[vtn.protocol](vtn)
        task = asyncio.create_task(runner.run(), name=f"ven:{vtn.source.name}")
        self.running[vtn.pk] = Running(runner=runner, task=task, settings=_settings(vtn))
        log.info("%s: VEN started for %s (OpenADR %s)", vtn.source, vtn.url, vtn.protocol)

    async def _stop(self, source_id: int) -> None:
        running = self.running.pop(source_id)
        running.task.cancel()
        try:
            await running.task
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("%s: its VEN had failed", running.runner.vtn.source)


def _settings(vtn: Vtn) -> tuple:
    return tuple(getattr(vtn, name) for name in SETTINGS)
