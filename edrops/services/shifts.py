"""Self-service shifts as the schedule page does them (rosters/services/shifts.py), with the
team's leads told of every override made this way: in the team's Slack channel, and each lead
by Slack (a direct message) or, without a Slack id, by email. The override and the messages
commit together."""

from datetime import datetime

from django.db import transaction

from notifications import services as notifications
from notifications.rendering import local_time
from rosters.models import Override, Person, Rotation, SwapRequest
from rosters.selectors import team_leads
from rosters.services import shifts


def _tell_leads(*, override: Override, what: str, now: datetime) -> None:
    team = override.rotation.team
    when = (
        f"from {local_time(override.starts_at, tz=team.tz, now=now)} "
        f"to {local_time(override.ends_at, tz=team.tz, now=now)}"
    )
    text = f"{what} on {team.slug}/{override.rotation.name} {when}."
    reference = f"override:{override.pk}"
    if team.slack_channel:
        notifications.send_channel_notice(
            slack_channel=team.slack_channel, text=text, reference=reference
        )
    for lead in team_leads(team=team):
        channel = "slack" if lead.slack_user_id else "email" if lead.email else None
        if channel and lead.pk != override.person_id:
            notifications.send_status(person=lead, channel=channel, text=text, reference=reference)


@transaction.atomic
def take_shift(
    *, person: Person, rotation: Rotation, starts_at: datetime, ends_at: datetime, now: datetime
) -> Override:
    override = shifts.take_shift(
        person=person, rotation=rotation, starts_at=starts_at, ends_at=ends_at, now=now
    )
    _tell_leads(override=override, what=f"{person.handle} took the shift", now=now)
    return override


@transaction.atomic
def ask_for_swap(
    *, person: Person, rotation: Rotation, starts_at: datetime, ends_at: datetime, now: datetime
) -> SwapRequest:
    request = shifts.ask_for_swap(
        person=person, rotation=rotation, starts_at=starts_at, ends_at=ends_at, now=now
    )
    team = rotation.team
    if team.slack_channel:
        when = (
            f"from {local_time(request.starts_at, tz=team.tz, now=now)} "
            f"to {local_time(request.ends_at, tz=team.tz, now=now)}"
        )
        notifications.send_channel_notice(
            slack_channel=team.slack_channel,
            text=f"{person.handle} asks for a swap on {team.slug}/{rotation.name} {when}: "
            "accept it on the schedule page.",
            reference=f"swap:{request.pk}",
        )
    return request


@transaction.atomic
def accept_swap(*, request_id: int, person: Person, now: datetime) -> Override:
    request, override = shifts.accept_swap(request_id=request_id, person=person, now=now)
    _tell_leads(
        override=override,
        what=f"{person.handle} swapped with {request.asked_by.handle} and took the shift",
        now=now,
    )
    return override
