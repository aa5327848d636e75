"""What an OpenADR VTN is told about its events: owed here, sent by the `ven` process.

Nothing is opted in before a person has acknowledged. A 2.0b VTN gets the source's default
(`optOut` unless set otherwise) the moment the event arrives, because OpenLEADR's `on_event`
must answer at once; then acknowledging owes it `optIn`, declining owes it `optOut`, and an
event nobody answered by its respond-by owes it the team's `unanswered_opt`, if it has one.

An answer is a row written in the acknowledgement's own transaction (an outbox): the ven
process that owns the source reads the owed rows every second, sends them, and records the
VTN's reply on the event's timeline. A ven process that dies between sending and recording
sends it again (at least once, like every delivery in edrops; a repeated oadrCreatedEvent
with the same answer and modificationNumber changes nothing at the VTN)."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef

from edrops.models import Event, Integration, Opt, OptAnswer, TimelineEntry
from edrops.services.timeline import append_timeline

OPENADR = (Integration.OPENADR_2B, Integration.OPENADR_3)


def owe_answer(*, event: Event, opt: str, reason: str, at: datetime) -> OptAnswer | None:
    """Owe the event's VTN `opt`; None for an event that did not come from a VTN."""
    if event.integration not in OPENADR:
        return None
    return OptAnswer.objects.create(event=event, opt=opt, reason=reason, created_at=at)


def owed_answers(*, source_ids: Iterable[int]) -> list[OptAnswer]:
    """Answers not sent yet for these sources' events, oldest first."""
    return list(
        OptAnswer.objects.filter(sent_at__isnull=True, event__source_id__in=list(source_ids))
        .select_related("event")
        .order_by("created_at", "id")[:100]
    )


def record_told(*, answer: OptAnswer, told: str, reply: str, at: datetime) -> None:
    """The VTN was sent `answer` (in words: `told`) and answered `reply`."""
    answer.sent_at = at
    answer.vtn_reply = reply[:255]
    answer.save(update_fields=["sent_at", "vtn_reply"])
    append_timeline(
        event=answer.event,
        at=at,
        kind=TimelineEntry.Kind.VTN,
        detail=f"told the VTN {told} ({answer.get_reason_display()}); it answered: {reply}",
    )


def record_first_answer(*, event: Event, told: str, at: datetime) -> None:
    """The 2.0b default, answered by OpenLEADR as the event arrived."""
    append_timeline(event=event, at=at, kind=TimelineEntry.Kind.VTN, detail=f"told the VTN {told}")


def answer_for(*, event: Event, default: str) -> str:
    """What the VTN is told when it (re)sends an event: optIn once a person acknowledged it,
    optOut once declined, else the source's default."""
    latest = event.opt_answers.order_by("-created_at", "-id").first()
    if latest is not None:
        return latest.opt
    if event.status == Event.Status.ACKNOWLEDGED:
        return Opt.IN
    return default


def owe_unanswered_defaults(*, source_ids: Iterable[int], now: datetime) -> int:
    """Events of these sources still waiting for an answer past their respond-by get their
    team's `unanswered_opt` (once; teams without one, nothing). Returns how many."""
    waiting = (
        Event.objects.filter(
            source_id__in=list(source_ids),
            status=Event.Status.TRIGGERED,
            respond_by__lte=now,
            integration__in=OPENADR,
        )
        .exclude(team__unanswered_opt="")
        .exclude(Exists(OptAnswer.objects.filter(event=OuterRef("pk"))))
        .select_related("team")
    )
    owed = [
        OptAnswer(
            event=event,
            opt=event.team.unanswered_opt,
            reason=OptAnswer.Reason.UNANSWERED,
            created_at=now,
        )
        for event in waiting[:100]
    ]
    OptAnswer.objects.bulk_create(owed)
    return len(owed)
