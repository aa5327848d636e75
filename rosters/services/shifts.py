"""Self-service shifts, from the schedule page: a responder takes a shift (an override for
themselves), or asks for a swap that another member of the team accepts (the override is then
the one who accepted it). Telling the team's leads is edrops' (edrops/services/shifts.py)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from rosters.models import Override, Person, Role, Rotation, SwapRequest

# Nobody plans a swap further out than the schedule page shows (8 weeks), with some room.
FURTHEST = timedelta(weeks=9)


def _check_span(*, starts_at: datetime, ends_at: datetime, now: datetime) -> datetime:
    """The span as it can still be taken: from now at the earliest. ValidationError if it is
    over, backwards or too far out."""
    if ends_at <= starts_at:
        raise ValidationError("A shift must end after it starts.")
    if ends_at <= now:
        raise ValidationError("That shift is over.")
    if starts_at > now + FURTHEST:
        raise ValidationError("That shift is more than 9 weeks away.")
    return max(starts_at, now)


def _check_member(*, person: Person, rotation: Rotation) -> None:
    if person.role != Role.LEAD and not rotation.team.members.filter(pk=person.pk).exists():
        raise ValidationError(f"Only members of {rotation.team.slug} take its shifts.")


@transaction.atomic
def take_shift(
    *, person: Person, rotation: Rotation, starts_at: datetime, ends_at: datetime, now: datetime
) -> Override:
    """`person` holds `rotation` over the span (from now, if it has begun): an override."""
    _check_member(person=person, rotation=rotation)
    starts_at = _check_span(starts_at=starts_at, ends_at=ends_at, now=now)
    return Override.objects.create(
        rotation=rotation, person=person, starts_at=starts_at, ends_at=ends_at
    )


@transaction.atomic
def ask_for_swap(
    *, person: Person, rotation: Rotation, starts_at: datetime, ends_at: datetime, now: datetime
) -> SwapRequest:
    """`person` asks someone else of the team to take the span. Asking again for the same span
    is the same request."""
    _check_member(person=person, rotation=rotation)
    _check_span(starts_at=starts_at, ends_at=ends_at, now=now)
    request, _ = SwapRequest.objects.get_or_create(
        rotation=rotation,
        asked_by=person,
        starts_at=starts_at,
        ends_at=ends_at,
        override=None,
        defaults={"created_at": now},
    )
    return request


@transaction.atomic
def accept_swap(*, request_id: int, person: Person, now: datetime) -> tuple[SwapRequest, Override]:
    """`person` takes the span asked about: the override is theirs. Once: a request already
    accepted (or withdrawn) is a ValidationError."""
    request = (
        SwapRequest.objects.select_for_update()
        .select_related("rotation__team", "asked_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.override_id is not None:
        raise ValidationError("No such swap, or it was already taken.")
    if request.asked_by_id == person.pk:
        raise ValidationError("Someone else has to accept your swap.")
    override = take_shift(
        person=person,
        rotation=request.rotation,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        now=now,
    )
    request.accepted_by, request.override = person, override
    request.save(update_fields=["accepted_by", "override"])
    return request, override
