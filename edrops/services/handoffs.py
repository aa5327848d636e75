"""Handoff reminders: "You're on call for grid-ops from Mon 09:00 CST to Mon 09:00", by the
person's first contact method, 12 hours before their shift starts, or at the start of their
working hours that day if that is later (nobody is woken to be told of tomorrow's shift).

The coverage check (hourly, and after every roster change) plans them a day ahead; the clock
sends each when it falls due, once per shift (`HandoffReminder` is unique by rotation, person
and start). A reminder planned for a shift the roster no longer has is dropped unsent.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from edrops.models import HandoffReminder
from notifications import queue
from notifications import services as notifications
from rosters.models import Person
from rosters.selectors import contact_plan, shifts_starting

AHEAD = timedelta(hours=12)
# Planned this far ahead of the start: more than AHEAD plus the hour between checks.
PLAN_AHEAD = timedelta(hours=24)
# How far a shift's end is looked for; a longer one is told as "from ... on".
LONGEST = timedelta(days=60)


def reminder_due(*, person: Person, starts_at: datetime) -> datetime:
    """12 h before the start, or the start of the person's working hours on that day if later
    (never after the shift has begun)."""
    due = starts_at - AHEAD
    if person.work_starts is not None:
        local = due.astimezone(person.tz)
        at_work = datetime.combine(local.date(), person.work_starts, tzinfo=person.tz)
        due = max(due, at_work)
    return min(due, starts_at)


def reminder_text(*, reminder: HandoffReminder, open_ended: bool) -> str:
    tz = reminder.person.tz
    starts = reminder.starts_at.astimezone(tz)
    team = reminder.rotation.team.slug
    text = f"You're on call for {team} from {starts:%a %H:%M %Z}"
    if not open_ended:
        ends = reminder.ends_at.astimezone(tz)
        zone = f" {ends:%Z}" if ends.tzname() != starts.tzname() else ""
        text += f" to {ends:%a %H:%M}{zone}"
    days = (reminder.ends_at - reminder.starts_at) / timedelta(days=1)
    if not open_ended and days >= 2:
        text += f" ({days:.0f} days)"
    return f"{text}, rotation {reminder.rotation.name}."


def plan_handoff_reminders(*, now: datetime) -> int:
    """Plan a reminder for every shift starting within PLAN_AHEAD; drop unsent ones whose shift
    is gone. Returns how many were planned anew."""
    upcoming = shifts_starting(after=now, before=now + PLAN_AHEAD, horizon=now + LONGEST)
    wanted = {(s.rotation.pk, s.person.pk, s.starts_at): s for s in upcoming}
    planned = 0
    with transaction.atomic():
        unsent = HandoffReminder.objects.filter(sent_at__isnull=True, starts_at__gt=now)
        for row in unsent:
            if (row.rotation_id, row.person_id, row.starts_at) not in wanted:
                row.delete()
        for (rotation_id, person_id, starts_at), shift in wanted.items():
            fields = {
                "ends_at": shift.ends_at,
                "due_at": reminder_due(person=shift.person, starts_at=starts_at),
            }
            try:
                with transaction.atomic():
                    _, created = HandoffReminder.objects.update_or_create(
                        rotation_id=rotation_id,
                        person_id=person_id,
                        starts_at=starts_at,
                        defaults=fields,
                    )
            except IntegrityError:  # another check planned it a moment ago
                created = False
            planned += created
    return planned


def send_due_reminders(*, now: datetime) -> int:
    """The clock's part: each reminder that has come due is sent once (compare-and-set)."""
    return queue.hand_out(
        HandoffReminder.objects.filter(sent_at__isnull=True, due_at__lte=now),
        order_by="due_at",
        stamp={"sent_at": now},
        then=lambda row: _send(reminder_id=row[0], now=now),
    )


def _send(*, reminder_id: int, now: datetime) -> None:
    reminder = HandoffReminder.objects.select_related("person", "rotation__team").get(
        pk=reminder_id
    )
    if reminder.starts_at <= now - AHEAD:
        return  # planned long ago and never sent (the clock was down): old news
    plan = contact_plan(person=reminder.person)
    if not plan:
        return
    open_ended = reminder.ends_at - reminder.starts_at >= LONGEST - PLAN_AHEAD
    notifications.send_status(
        person=reminder.person,
        channel=plan[0].channel,
        text=reminder_text(reminder=reminder, open_ended=open_ended),
        reference=f"handoff:{reminder.pk}",
    )
