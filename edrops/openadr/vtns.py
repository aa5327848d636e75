"""The database side of the ven process: which VTNs this process owns (leases), what their
VTNs sent (ingest), and that they answered (heartbeats). Plain synchronous functions; the
ven process calls them through `sync_to_async`, one database thread for the whole loop."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from edrops.models import Event, Integration, Source, Vtn
from edrops.models.sources import hash_token
from edrops.openadr import mapping2b, mapping3
from edrops.services import EventInput, IngestResult, ingest, rearm, record_life
from edrops.services.opt_answers import answer_for, record_first_answer

logger = logging.getLogger(__name__)

# A lease is one poll interval, but never shorter than this: the owner renews every second,
# and a database blip of a second should not hand a VTN to another process.
LEASE_MIN = timedelta(seconds=2)


def lease_length(vtn: Vtn) -> timedelta:
    return max(vtn.poll_interval, LEASE_MIN)


def claim_vtns(*, owner: str, now: datetime) -> list[Vtn]:
    """Renew this process's leases and take the VTNs nobody holds (or whose owner stopped
    renewing); returns the VTNs it owns now, with their sources. A compare-and-set per VTN:
    two processes never both win one."""
    free_or_ours = Q(owner=owner) | Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    owned = []
    for vtn in Vtn.objects.select_related("source").order_by("pk"):
        won = Vtn.objects.filter(free_or_ours, pk=vtn.pk).update(
            owner=owner, lease_until=now + lease_length(vtn)
        )
        if won:
            if vtn.owner != owner:
                logger.info("%s: this process (%s) reads the VTN now", vtn.source, owner)
            owned.append(vtn)
    return owned


def release_vtns(*, owner: str) -> None:
    """On a clean stop: the next process need not wait for the leases to run out."""
    Vtn.objects.filter(owner=owner).update(owner="", lease_until=None)


def registered(*, vtn: Vtn, ven_id: str, poll_interval: timedelta, now: datetime) -> None:
    """The VTN knows us as `ven_id` and is polled every `poll_interval`: a heartbeat is due that
    often (a VTN that asks to be polled more slowly than our heartbeat would look silent)."""
    with transaction.atomic():
        Vtn.objects.filter(pk=vtn.pk).update(ven_id=ven_id, registered_at=now)
        source = Source.objects.select_for_update().get(pk=vtn.pk)
        if source.heartbeat_interval is None or source.heartbeat_interval < poll_interval:
            was_monitored = source.heartbeat_interval is not None
            source.heartbeat_interval = poll_interval
            source.save(update_fields=["heartbeat_interval"])
            rearm(source=source, was_monitored=was_monitored, now=now)
    record_life(source=vtn.source, now=now)


def heard(*, source: Source, now: datetime) -> None:
    """A poll the VTN answered: a sign of life (each successful poll is a heartbeat)."""
    record_life(source=source, now=now)


def receive(*, vtn: Vtn, data: EventInput, now: datetime) -> IngestResult:
    """Ingest one event the VTN sent."""
    return ingest(source=vtn.source, data=data, now=now)


@dataclass(frozen=True)
class Received:
    result: IngestResult
    answer: str  # what OpenLEADR's on_event tells the VTN at once


def receive_2b(*, vtn: Vtn, event: dict, xml: str, now: datetime) -> Received:
    """Ingest a 2.0b event, and what to answer it at once: the source's default until a
    person has acknowledged (optIn) or declined (optOut) it."""
    data = mapping2b.event_input(event=event, xml=xml, vtn_name=vtn.source.name)
    result = receive(vtn=vtn, data=data, now=now)
    answer = answer_for(event=result.event, default=vtn.default_opt)
    if result.changed:
        record_first_answer(
            event=result.event, told=f"{answer} (modificationNumber {data.revision})", at=now
        )
    return Received(result=result, answer=answer)


def receive_3(*, vtn: Vtn, events: list[dict], program_name: str, now: datetime) -> int:
    """Ingest what an OpenADR 3 VTN lists now; an open event of ours it no longer lists was
    deleted: cancelled (and those paged are told). Returns how many events changed."""
    name = vtn.source.name
    inputs = [
        mapping3.event_input(event=event, program_name=program_name, vtn_name=name, now=now)
        for event in events
        if isinstance(event, dict) and event.get("id")
    ]
    listed = {data.external_id for data in inputs}
    gone = (
        Event.objects.filter(
            source=vtn.source, integration=Integration.OPENADR_3, status__in=Event.OPEN
        )
        .exclude(external_id__in=listed)
        .values_list("external_id", "summary")
    )
    inputs += [mapping3.deleted_input(external_id=i, summary=summary) for i, summary in gone]
    return sum(receive(vtn=vtn, data=data, now=now).changed for data in inputs)


def notified_3(*, vtn: Vtn, event: dict, deleted: bool, now: datetime) -> bool:
    """One event an OpenADR 3 VTN's subscription told us of (created, updated or deleted)."""
    record_life(source=vtn.source, now=now)
    if deleted:
        known = Event.objects.filter(source=vtn.source, external_id=str(event["id"])).first()
        if known is None:
            return False
        data = mapping3.deleted_input(external_id=known.external_id, summary=known.summary)
    else:
        data = mapping3.event_input(
            event=event, program_name=vtn.program, vtn_name=vtn.source.name, now=now
        )
    return receive(vtn=vtn, data=data, now=now).changed


def arm_hook(*, vtn: Vtn, token: str) -> None:
    """The bearer token the VTN's subscription will call us with (only the newest works)."""
    Vtn.objects.filter(pk=vtn.pk).update(hook_token_hash=hash_token(token) if token else "")
