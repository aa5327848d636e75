"""One OpenADR 2.0b VEN, with OpenLEADR's client: register with the VTN, poll it, hand each
event to edrops, and send the answers edrops owes.

We drive OpenLEADR's client ourselves rather than with its `run()`: `run()` gives up for good
when the VTN does not answer the first registration, and polls on an APScheduler timer we
could not wake early for an answer owed. So the loop here registers (again, until the VTN
answers), then calls the client's own poll-and-dispatch (`_poll`: the same code `run()`
schedules) every poll interval, and between polls sends what edrops owes as the client's
`created_event`. OpenLEADR's VTN has no working EiOpt service, so never `create_opt`."""

import logging
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone
from lxml import etree
from openleadr import OpenADRClient, utils

from edrops.models import OptAnswer, Vtn
from edrops.openadr import vtns
from edrops.openadr.runner import Runner, VtnUnreachable

logger = logging.getLogger(__name__)


class _Client(OpenADRClient):
    """OpenLEADR's client, telling us when a poll was answered (each one is a heartbeat)."""

    def __init__(self, *args: Any, on_answered, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._on_answered = on_answered

    async def poll(self):
        response_type, payload = await super().poll()
        if response_type is not None:
            await self._on_answered()
        return response_type, payload


class Ven2b(Runner):
    def __init__(self, vtn: Vtn):
        super().__init__(vtn)
        self.last_xml = ""  # the message being handled, for the revision's body
        self.last_reply: tuple[str, dict] | None = None
        self.request_ids: dict[str, str] = {}  # eventID -> the distributing message's requestID
        self.resync = False
        self.client = _Client(
            ven_name=vtn.ven_name,
            vtn_url=vtn.url,
            ven_id=vtn.ven_id or None,
            cert=vtn.cert or None,
            key=vtn.key or None,
            ca_file=vtn.vtn_ca or None,
            disable_signature=not (vtn.cert and vtn.key),
            show_fingerprint=False,
            on_answered=self.heard,
        )
        self.client.on_event = self.on_event
        self.client.on_update_event = self.on_event
        self.client.add_hook("after_receive_xml", self._keep_xml)
        self.client.add_hook("after_parse_xml", self._keep_reply)

    async def _keep_xml(self, content: str) -> None:
        self.last_xml = content

    async def _keep_reply(self, message_type: str, payload: dict) -> None:
        self.last_reply = (message_type, payload)
        if message_type == "oadrDistributeEvent":
            for event in payload.get("events") or []:
                event_id = event["event_descriptor"]["event_id"]
                self.request_ids[event_id] = payload.get("request_id") or ""

    async def register(self) -> bool:
        if self.client.client_session is not None and self.client.client_session.closed:
            self.client.client_session = None  # OpenLEADR closes it when a registration fails
        answered = await self.client.create_party_registration(ven_id=self.client.ven_id)
        if not answered or not self.client.registration_id:
            return False
        _, payload = answered
        asked = payload.get("requested_oadr_poll_freq")
        # The fastest we poll when the VTN asks for no rate; its requested rate otherwise.
        self.interval = (
            asked
            if isinstance(asked, timedelta) and asked > timedelta(0)
            else (self.vtn.poll_interval)
        )
        await sync_to_async(vtns.registered)(
            vtn=self.vtn, ven_id=self.client.ven_id, poll_interval=self.interval, now=timezone.now()
        )
        logger.info(
            "%s: registered with %s as %s, polling every %s",
            self.vtn.source,
            self.vtn.url,
            self.client.ven_id,
            self.interval,
        )
        await self.client.sync_events()  # what the VTN has for us already
        return True

    async def poll(self) -> None:
        if self.resync:
            # An event edrops failed to take (the database away, say): OpenLEADR would not
            # hand it to on_event again until it changes, so ask the VTN for all of them.
            self.resync = False
            await self.client.sync_events()
        await self.client._poll()
        # The VTN asked us to register again and it failed (OpenLEADR forgot the registration).
        self.registered = self.client.registration_id is not None

    async def on_event(self, event: dict) -> str:
        """OpenLEADR's on_event and on_update_event: edrops has the event before the VTN is
        answered (the default, or what a person already said)."""
        event_id = str(event["event_descriptor"]["event_id"])
        try:
            received = await sync_to_async(vtns.receive_2b)(
                vtn=self.vtn,
                event=event,
                xml=event_xml(self.last_xml, event_id),
                now=timezone.now(),
            )
        except Exception:
            # OpenLEADR answers optOut and remembers the event as seen: forget it, and fetch
            # every event again at the next poll, so it is taken then.
            utils.pop_by(self.client.received_events, "event_descriptor.event_id", event_id)
            self.resync = True
            raise
        return received.answer

    async def tell(self, answer: OptAnswer) -> str:
        event_id = answer.event.external_id
        self.last_reply = None
        await self.client.created_event(
            request_id=self.request_ids.get(event_id) or utils.generate_id(),
            event_id=event_id,
            opt_type=answer.opt,
            modification_number=answer.event.revision,
        )
        if self.last_reply is None:
            raise VtnUnreachable("no answer")
        _, payload = self.last_reply
        response = payload.get("response") or {}
        code, said = response.get("response_code"), response.get("response_description", "")
        return f"{code} {said}".strip() if code == 200 else f"refused: {code} {said}".strip()

    def told(self, answer: OptAnswer) -> str:
        return f"{answer.opt} (oadrCreatedEvent, modificationNumber {answer.event.revision})"

    async def close(self) -> None:
        if self.client.client_session is not None:
            await self.client.client_session.close()


def event_xml(message: str, event_id: str) -> str:
    """The one oadrEvent in a oadrDistributeEvent, as the VTN wrote it (the revision's body)."""
    # The VTN's words: no entities, no network (lxml's defaults would resolve them).
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(message.encode(), parser)
    except (etree.XMLSyntaxError, ValueError):
        return message
    for element in root.iter("{*}oadrEvent"):
        ids = [found.text for found in element.iter("{*}eventID")]
        if event_id in ids:
            return etree.tostring(element, encoding="unicode")
    return message
