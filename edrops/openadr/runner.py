"""What every running VEN does, whatever its protocol: register until the VTN answers, poll it
every interval, and between polls send the answers edrops owes it (woken at once for one)."""

import asyncio
import logging
from datetime import timedelta

import aiohttp
from asgiref.sync import sync_to_async
from django.utils import timezone

from edrops.models import OptAnswer, Vtn
from edrops.openadr import vtns
from edrops.services import opt_answers

logger = logging.getLogger(__name__)


class VtnUnreachable(Exception):
    """The VTN did not answer: the answer stays owed and is sent again. (A VTN that answers
    with an error has been told; its error is its reply, on the timeline.)"""


class Runner:
    """One source's VEN on the ven process's loop. A protocol says how to `register`, `poll`
    and `tell` the VTN an answer; this is the loop around them."""

    def __init__(self, vtn: Vtn):
        self.vtn = vtn
        self.interval: timedelta = vtn.poll_interval
        self.answers: asyncio.Queue[OptAnswer] = asyncio.Queue()
        self.offered: set[int] = set()  # answers queued or being sent, so each is sent once
        self.registered = False  # a protocol sets it back to False to register again

    # --- what a protocol provides ---------------------------------------------------------

    async def register(self) -> bool:
        raise NotImplementedError

    async def poll(self) -> None:
        raise NotImplementedError

    async def tell(self, answer: OptAnswer) -> str:
        """Send `answer`; the VTN's reply in words, or VtnUnreachable."""
        raise NotImplementedError

    def told(self, answer: OptAnswer) -> str:
        return answer.opt

    async def close(self) -> None:
        pass

    # --- the loop ---------------------------------------------------------------------------

    def offer(self, answer: OptAnswer) -> None:
        if answer.pk not in self.offered:
            self.offered.add(answer.pk)
            self.answers.put_nowait(answer)

    async def heard(self) -> None:
        await sync_to_async(vtns.heard)(source=self.vtn.source, now=timezone.now())

    async def run(self) -> None:
        try:
            while True:
                try:
                    if not self.registered:
                        self.registered = await self.register()
                    else:
                        await self.poll()
                except asyncio.CancelledError:
                    raise
                except (OSError, TimeoutError, aiohttp.ClientError) as error:
                    # A VTN that is down: the missing heartbeats raise the alarm, not this log.
                    logger.warning(
                        "%s: %s does not answer: %s", self.vtn.source, self.vtn.url, error
                    )
                except Exception:
                    # A VTN that answers nonsense must not end this VEN: the next poll may be fine.
                    logger.exception("%s: talking to %s failed", self.vtn.source, self.vtn.url)
                await self._between_polls()
        finally:
            await self.close()

    async def _between_polls(self) -> None:
        """Wait for the next poll, sending owed answers meanwhile (at once, not at the poll)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.interval.total_seconds()
        while (left := deadline - loop.time()) > 0:
            try:
                answer = await asyncio.wait_for(self.answers.get(), left)
            except TimeoutError:
                return
            await self._send(answer)

    async def _send(self, answer: OptAnswer) -> None:
        try:
            reply = await self.tell(answer)
        except VtnUnreachable as refused:
            logger.warning(
                "%s: the VTN did not answer %s for %s: %s",
                self.vtn.source,
                answer.opt,
                answer.event.external_id,
                refused,
            )
            self.offered.discard(answer.pk)  # still owed: offered again within a second
            return
        except Exception:
            logger.exception("%s: sending %s failed", self.vtn.source, answer)
            self.offered.discard(answer.pk)
            return
        await sync_to_async(opt_answers.record_told)(
            answer=answer, told=self.told(answer), reply=reply, at=timezone.now()
        )
        logger.info(
            "%s: told the VTN %s for %s; it answered %s",
            self.vtn.source,
            answer.opt,
            answer.event.external_id,
            reply,
        )
