"""One OpenADR 3 VEN: a thin HTTP client over the VTN's REST API (aiohttp), because the
`openadr3-client` library needs Python 3.12 and edrops runs on 3.11 (API.md says why).

It takes a bearer token with its OAuth2 client credentials (`POST /auth/token`), finds its
program by name (`GET /programs`), subscribes to the program's events (`POST /subscriptions`,
calling back edrops/openadr/hooks.py), then polls `GET /events?programID=` every poll interval
all the same (a callback can be lost; a poll is also the heartbeat).
Each answered poll is a heartbeat. OpenADR 3 has no opt: the answer edrops owes is posted as
a report on the event (`POST /reports`, payload type `OPT`, value optIn or optOut)."""

import logging
import time
from typing import Any

import aiohttp
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from edrops.models import OptAnswer, Vtn
from edrops.models.sources import new_token
from edrops.openadr import vtns
from edrops.openadr.runner import Runner, VtnUnreachable

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10, sock_connect=5)
# Take a new token this long before the VTN's `expires_in` says the old one ends.
TOKEN_MARGIN_SECONDS = 30


class VtnAnswered(Exception):
    """The VTN answered an error status (the body says why)."""


class Ven3(Runner):
    def __init__(self, vtn: Vtn):
        super().__init__(vtn)
        self.base = vtn.url.rstrip("/")
        self.session: aiohttp.ClientSession | None = None
        self.token = ""
        self.token_until = 0.0
        self.program_id = ""
        self.program_name = vtn.program

    async def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self.session

    async def _authorize(self) -> str:
        if self.token and time.monotonic() < self.token_until:
            return self.token
        session = await self._session()
        form = {
            "grant_type": "client_credentials",
            "client_id": self.vtn.client_id,
            "client_secret": self.vtn.client_secret,
        }
        async with session.post(f"{self.base}/auth/token", data=form) as response:
            body = await _json(response)
        self.token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 3600)
        self.token_until = time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 1)
        return self.token

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        token = await self._authorize()
        session = await self._session()
        headers = {"Authorization": f"Bearer {token}"}
        async with session.request(method, self.base + path, headers=headers, **kwargs) as r:
            if r.status == 401:
                self.token = ""  # revoked or expired early: a new one next time
            return await _json(r)

    async def register(self) -> bool:
        """OpenADR 3 has no registration: a token and our program are all it takes."""
        programs = await self._call("GET", "/programs")
        if self.vtn.program:
            found = [p for p in programs if p.get("programName") == self.vtn.program]
            if not found:
                logger.warning("%s: the VTN has no program %r", self.vtn.source, self.vtn.program)
                return False
            self.program_id = str(found[0]["id"])
        await sync_to_async(vtns.registered)(
            vtn=self.vtn,
            ven_id=self.vtn.client_id,
            poll_interval=self.interval,
            now=timezone.now(),
        )
        logger.info("%s: reading OpenADR 3 events from %s", self.vtn.source, self.base)
        await self.subscribe()
        await self.poll()
        return True

    async def subscribe(self) -> None:
        """Ask the VTN to call PUBLIC_BASE_URL/hooks/openadr3/<source> as events are created,
        changed or deleted (edrops/openadr/hooks.py). A VTN without subscriptions is polled
        only, which is how every event also arrives anyway."""
        token = new_token()
        await sync_to_async(vtns.arm_hook)(vtn=self.vtn, token=token)
        callback = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/hooks/openadr3/{self.vtn.source.name}"
        subscription = {
            "clientName": self.vtn.ven_name or self.vtn.client_id,
            "programID": self.program_id or None,
            "objectOperations": [
                {
                    "objects": ["EVENT"],
                    "operations": ["CREATE", "UPDATE", "DELETE"],
                    "callbackUrl": callback,
                    "bearerToken": token,
                }
            ],
        }
        try:
            await self._call("POST", "/subscriptions", json=subscription)
        except VtnAnswered as refused:
            logger.info("%s: no webhooks (%s); polling only", self.vtn.source, refused)
            await sync_to_async(vtns.arm_hook)(vtn=self.vtn, token="")

    async def poll(self) -> None:
        params = {"programID": self.program_id} if self.program_id else {}
        events = await self._call("GET", "/events", params=params)
        if not isinstance(events, list):
            raise VtnAnswered(f"GET /events answered {type(events).__name__}, not a list")
        await self.heard()
        await sync_to_async(vtns.receive_3)(
            vtn=self.vtn, events=events, program_name=self.program_name, now=timezone.now()
        )

    async def tell(self, answer: OptAnswer) -> str:
        details = answer.event.details or {}
        report = {
            "programID": details.get("program_id") or self.program_id,
            "eventID": answer.event.external_id,
            "clientName": self.vtn.ven_name or self.vtn.client_id,
            "reportName": answer.opt,
            "resources": [
                {
                    "resourceName": "AGGREGATED_REPORT",
                    "intervals": [{"id": 0, "payloads": [{"type": "OPT", "values": [answer.opt]}]}],
                }
            ],
        }
        try:
            created = await self._call("POST", "/reports", json=report)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise VtnUnreachable(str(error)) from error
        except VtnAnswered as refused:
            return f"refused: {refused}"
        return f"report {created.get('id', '?')} created"

    def told(self, answer: OptAnswer) -> str:
        return f"{answer.opt} (a report with an OPT payload)"

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


async def _json(response: aiohttp.ClientResponse) -> Any:
    if response.status >= 400:
        raise VtnAnswered(f"{response.status} {(await response.text())[:200]}")
    return await response.json(content_type=None)
