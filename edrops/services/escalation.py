"""The escalation engine: page a step's recipients, arm the next step, stop when answered.

An event carries its own escalation state (see the fields on `Event`): a snapshot of its team's
policy taken when its first step runs, the next (step, pass) to run, and `next_step_at`. Work
moves like this, every hop committed with the state it changes:

    ingest ──(same statement)──► step task (0, 0)
    step task: lock the event; still triggered and still at (step, pass)? snapshot the team's
               policy (first step only), page the step's recipients (one Notification per
               person and contact rule, one post per `slack:` channel, one forward per
               `pagerduty:`/`webhook:` target), arm the next step;
               none left: tell the team's channel
    clock:     claim events whose next_step_at has come (compare-and-set, SKIP LOCKED) and
               queue their step task
    acknowledge / resolve / cancellation: the status leaves `triggered`, so a step task that
               runs after that does nothing; pending pages are cancelled at once

A step task carries the (step, pass) it was queued for. A redelivered task (a worker died
after committing, the clock re-queued a slow one) finds the event has moved on and returns:
each step pages once, however many times its task runs.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django_q.brokers import Broker
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from edrops import metrics
from edrops.models import Event, MaintenanceMode, Severity, TimelineEntry
from edrops.services import forwarding, tallies
from edrops.services.drills import post_test_dispatch
from edrops.services.page_text import assign_ack_code, described, exhausted_notice, page_content
from edrops.services.timeline import append_timeline
from notifications import queue
from notifications import services as notifications
from notifications.content import PageContent
from notifications.models import Notification
from rosters.models import Channel, Person
from rosters.selectors import (
    contact_plan,
    escalation_policy,
    person_policy,
    recipients_for_targets,
)

log = logging.getLogger(__name__)

STEP_TASK = "edrops.tasks.run_escalation_step"
# Going round again right after the last step would page the first step's people a second
# time at the same moment; a last step without a wait waits this long before a repeat.
REPEAT_FLOOR = timedelta(minutes=1)


def arm_first_step(*, event: Event, now: datetime) -> None:
    """Before an event is saved (new, or reopened): arm step 1. The caller saves the event,
    then calls `queue_step` in the same transaction. The policy snapshot is taken when that
    step runs (see `run_step`)."""
    event.policy = {}
    event.step_index = event.pass_index = 0
    event.next_step_at = event.step_queued_at = now
    event.paging = []
    event.exhausted_at = None


def queue_step(*, event: Event, broker: Broker | None = None) -> None:
    """Queue the event's armed step now (in the caller's transaction: the ORM broker's task row
    commits with the event, or not at all)."""
    _queue(event.pk, event.step_index, event.pass_index, broker=broker)


def _queue(pk, step_index: int, pass_index: int, *, broker: Broker | None = None) -> None:
    async_task(
        STEP_TASK,
        str(pk),
        step_index,
        pass_index,
        task_name=f"escalate {pk} step {step_index + 1} pass {pass_index + 1}",
        broker=broker,
    )


class _Kept(Broker):
    """Keeps the signed task it is given instead of sending it anywhere."""

    payload = ""

    def get_connection(self, list_key: str | None = None) -> None:
        return None

    def enqueue(self, task: str) -> str:
        self.payload = task
        return "with its event"  # what django-q logs as the queued task's id


def step_task_row(*, event: Event, now: datetime) -> OrmQ | None:
    """The armed step's task as an unsaved queue row, for ingest to insert in the same
    statement as the event, when the queue is a table in this database (the ORM broker);
    None with another broker: `queue_step` once the event has committed, then."""
    if Conf.ORM != "default" or Conf.SYNC:
        return None
    kept = _Kept()
    queue_step(event=event, broker=kept)
    return OrmQ(key=kept.list_key, payload=kept.payload, lock=now)


def claim_due_steps(*, now: datetime) -> int:
    """The clock's part: queue every armed step that has come due, and again any whose task
    was lost (`notifications.queue.lost_before`); each once, however many clocks run."""
    unclaimed = Q(step_queued_at__isnull=True) | Q(step_queued_at__lt=queue.lost_before(now=now))
    return queue.hand_out(
        Event.objects.filter(unclaimed, status=Event.Status.TRIGGERED, next_step_at__lte=now),
        order_by="next_step_at",
        fields=("step_index", "pass_index"),
        stamp={"step_queued_at": now},
        then=lambda row: _queue(*row),
    )


@dataclass(frozen=True)
class StepOutcome:
    ran: bool
    detail: str


@transaction.atomic
def run_step(*, event_id: str, step_index: int, pass_index: int, now: datetime) -> StepOutcome:
    """Run one escalation step of one event (the step task's body)."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("team", "assigned_to")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return StepOutcome(False, "the event is gone")
    if event.status != Event.Status.TRIGGERED:
        return StepOutcome(False, f"not paging: the event is {event.status}")
    if (event.step_index, event.pass_index) != (step_index, pass_index):
        return StepOutcome(False, "this step already ran")
    if event.exhausted_at is not None:
        # The last step leaves (step, pass) where it was: a second run of its task (the clock
        # re-queues one a busy cluster took and had not started) must find it done too.
        return StepOutcome(False, "this step already ran; escalation has ended")
    if not event.policy:
        # The snapshot is taken when paging begins, under this lock, not on arrival: ingest
        # stays a few inserts, and a policy fixed while the event waited for a worker applies.
        event.policy = policy_for(event)
    # Late by how long the task waited for a worker (the first step: since the event arrived).
    late = now - (event.next_step_at or event.created_at)
    outcome = _escalate(event, now)
    # Counted last: every worker adds to the same few rows of this histogram, and a row added
    # to stays locked until the step commits (bench/RESULTS.md, "Scaling").
    tallies.observe(metrics.STEP_LATENESS, seconds=late.total_seconds())
    return outcome


def _escalate(event: Event, now: datetime) -> StepOutcome:
    """Page the event's current step, and the ones after it while a step reaches nobody."""
    if event.policy.get("outbox"):  # a test dispatch of a team without a test policy
        assign_ack_code(event=event, now=now)
        why = post_test_dispatch(
            event=event,
            content=page_content(event),
            headline=described(event=event, now=now),
            now=now,
        )
        # Its escalation ends there, quietly: the channel is not told nobody acknowledged.
        return _exhaust(event, now, why, tell=False)
    steps = event.policy.get("steps") or []
    if not steps:
        return _exhaust(event, now, "the team has no escalation steps")

    assign_ack_code(event=event, now=now)
    content = page_content(event)
    # A step that reaches nobody (an empty rotation) hands over to the next at once: waiting
    # out its `wait` would only waste the response window.
    while True:
        step = steps[event.step_index]
        paged, posted = _page_step(event, step, content, now)
        reached = ", ".join(paged + posted) or "nobody"
        following = _following(event, steps)
        if following is None:
            event.paging = paged or event.paging
            _exhaust(event, now, "every step ran and nobody acknowledged")
            return StepOutcome(True, f"paged {reached}; steps exhausted")
        wait = timedelta(seconds=step.get("wait") or 0)
        if following[0] == 0:
            wait = max(wait, REPEAT_FLOOR)
        event.step_index, event.pass_index = following
        # A Slack channel counts as reached: whoever watches it can press the button.
        if paged or posted:
            event.paging = paged or event.paging
            event.next_step_at = now + wait
            break
    event.last_step_at = now
    event.step_queued_at = None
    event.save(
        update_fields=[
            "step_index",
            "pass_index",
            "next_step_at",
            "step_queued_at",
            "last_step_at",
            "paging",
            "policy",
        ]
    )
    return StepOutcome(True, f"paged {reached}; next step at {event.next_step_at}")


def policy_for(event: Event) -> dict:
    """What the event's escalation follows: its team's policy (a test dispatch: the team's test
    policy, `test_escalation:`), or, when it was paged to (or reassigned to) a person, that
    person alone."""
    if event.assigned_to_id:
        return person_policy(team=event.team, person=event.assigned_to)
    return escalation_policy(team=event.team, test=event.test)


def _following(event: Event, steps: list[dict]) -> tuple[int, int] | None:
    """The (step, pass) after the current one, or None when the policy has run out."""
    if event.step_index + 1 < len(steps):
        return event.step_index + 1, event.pass_index
    if event.pass_index < int(event.policy.get("repeat") or 0):
        return 0, event.pass_index + 1
    return None


def _page_step(
    event: Event, step: dict, content: PageContent, now: datetime
) -> tuple[list[str], list[str]]:
    """Schedule the step's pages and forwards; returns the handles, and the Slack channels and
    services outside it reached. Writes the timeline."""
    recipients = recipients_for_targets(team=event.team, targets=step["targets"], at=now)
    steps = event.policy["steps"]
    where = f"step {event.step_index + 1} of {len(steps)}"
    if event.policy.get("repeat"):
        where += f", pass {event.pass_index + 1} of {event.policy['repeat'] + 1}"
    slack_only = event.maintenance_mode == MaintenanceMode.SLACK
    if slack_only:
        where += f", Slack only (maintenance window #{event.maintenance_id})"
    paged, notes = [], []
    for person in recipients.people:
        plan = _contact_plan(event, person, now)
        if not plan:
            notes.append(f"{person.handle} has no {'Slack' if slack_only else 'way to be reached'}")
            continue
        for channel, due_at in plan:
            notifications.schedule_page(
                person=person,
                channel=channel,
                content=content,
                reference=str(event.pk),
                due_at=due_at,
                team_slack_channel=event.team.slack_channel,
            )
        paged.append(person.handle)
        if plan[0][1] > now:
            notes.append(f"{person.handle} from {plan[0][1].astimezone(person.tz):%H:%M %Z}")
    # Paged for it: theirs to answer, whatever their team (edrops/permissions.py).
    event.paged_people.add(*(p for p in recipients.people if p.handle in paged))
    channels = list(recipients.slack_channels)
    if slack_only and not paged and event.team.slack_channel not in ("", *channels):
        channels.append(event.team.slack_channel)  # Slack only, and nobody on it: the channel
    posted, already = [], []
    for slack_channel in channels:
        post = notifications.schedule_channel_page(
            slack_channel=slack_channel,
            content=content,
            reference=str(event.pk),
            due_at=now,
            tz=event.team.tz,
        )
        # None: an earlier step posted it, and its button still works.
        (posted if post is not None else already).append(slack_channel)
    forwarded = forwarding.forward(
        event=event,
        targets=recipients.forwards,
        step=(event.step_index, event.pass_index),
        alone=not (paged or posted or already),
        now=now,
    )
    notes += [f"{t} reaches nobody now" for t in recipients.nobody]
    notes += [f"{t} no longer exists" for t in recipients.missing]
    did = []
    if paged:
        did.append(f"paging {', '.join(paged)}")
    if posted:
        did.append(f"posted to {', '.join(posted)}")
    if already:
        did.append(f"{', '.join(already)} already {'has' if len(already) == 1 else 'have'} it")
    did += forwarded
    detail = f"{where}: {'; '.join(did) or 'nobody to page'}"
    if notes:
        detail += f" ({'; '.join(notes)})"
    append_timeline(event=event, at=now, kind=TimelineEntry.Kind.ESCALATED, detail=detail)
    # A service outside counts as reached, like a Slack channel: its people answer there.
    return paged, posted + already + [t.shown for t in recipients.forwards]


def _contact_plan(event: Event, person: Person, now: datetime) -> list[tuple[str, datetime]]:
    """(channel, due) for each of the person's contact rules. A `low` event never phones
    anyone and waits for working hours: Slack only, from when their working hours begin. In a
    Slack-only maintenance window: their Slack rules, or Slack now when they have none."""
    plan = _plan_by_severity(event, person, now)
    if event.maintenance_mode != MaintenanceMode.SLACK:
        return plan
    on_slack = [(channel, due) for channel, due in plan if channel == Channel.SLACK]
    if on_slack or not person.slack_user_id:
        return on_slack
    return [(Channel.SLACK, now)]


def _plan_by_severity(event: Event, person: Person, now: datetime) -> list[tuple[str, datetime]]:
    if event.severity != Severity.LOW:
        return [(step.channel, now + step.delay) for step in contact_plan(person=person)]
    if not person.slack_user_id:
        return []
    return [(Channel.SLACK, person.next_working_start(now))]


def _exhaust(event: Event, now: datetime, why: str, *, tell: bool = True) -> StepOutcome:
    event.next_step_at = event.step_queued_at = None
    event.exhausted_at = now
    event.last_step_at = now
    event.save(
        update_fields=[
            "next_step_at",
            "step_queued_at",
            "exhausted_at",
            "last_step_at",
            "paging",
            "policy",
        ]
    )
    append_timeline(
        event=event, at=now, kind=TimelineEntry.Kind.ESCALATED, detail=f"escalation ended: {why}"
    )
    if not tell:
        return StepOutcome(True, f"escalation ended: {why}")
    log.warning("escalation of %s ended unacknowledged: %s", event.pk, why)
    if event.team.slack_channel:
        notifications.send_channel_notice(
            slack_channel=event.team.slack_channel,
            text=exhausted_notice(event=event, why=why, now=now),
            reference=str(event.pk),
        )
    return StepOutcome(True, f"escalation ended: {why}")


def stop_paging(
    *, event: Event, message: str, tell: bool, actor: Person | None, at: datetime
) -> None:
    """The event has left `triggered`: nothing more goes out about it. Pending pages are
    cancelled, services it was forwarded to are told (acknowledge or resolve), its Slack
    messages say what happened, and — when `tell` — everyone who got an
    SMS page gets one short status SMS (the person who answered by SMS gets theirs from the
    reply handler)."""
    reference = str(event.pk)
    Event.objects.filter(pk=event.pk).update(next_step_at=None, step_queued_at=None)
    event.next_step_at = event.step_queued_at = None  # the instance as the row now is
    notifications.cancel_pending(reference=reference, reason=message)
    forwarding.follow_up(event=event, now=at)
    local = at.astimezone(event.team.tz)
    notifications.update_slack_messages(
        reference=reference, title=event.summary, text=f"{message} at {local:%H:%M %Z}"
    )
    if not tell:
        return
    texted = (
        Person.objects.filter(
            notifications__reference=reference,
            notifications__kind=Notification.Kind.PAGE,
            notifications__channel=Channel.SMS,
            notifications__sent_at__isnull=False,
        )
        .exclude(pk=actor.pk if actor else None)
        .distinct()
    )
    code = f"{event.ack_code}: " if event.ack_code else ""
    for person in texted:
        notifications.send_status(
            person=person,
            channel=Channel.SMS,
            text=f"{code}{message}. {event.summary}"[:160],
            reference=reference,
        )
