"""What a reply means: an SMS ("4", "ack 4", "a 4", "ack", "ack all"), key 1 on a call, or the
Slack button. `notifications` records the reply and hands its id up (NOTIFICATIONS_REPLY_TASK);
this turns it into acknowledgements through the one `acknowledge` path, and answers an SMS
with what happened. Who may acknowledge what is edrops/permissions.py's: an event that is not
theirs is answered "You can't acknowledge that event" (by SMS, or only to the clicker in
Slack; a call says so as the key is pressed, see `may_answer`), and "ack all" takes only
theirs."""

import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django_q.tasks import async_task

from edrops import permissions
from edrops.models import Event, TimelineEntry
from edrops.services.acknowledgement import acknowledge
from edrops.services.timeline import append_timeline
from notifications import selectors as delivery
from notifications import services as notifications
from notifications.models import Channel, InboundReply, Notification
from notifications.queue import fast_lane
from rosters.models import Person

log = logging.getLogger(__name__)

# Case and spaces don't matter: "ACK 4", " a4 ", "4".
SMS_CODE = re.compile(r"^(?:(?:ack|a)\s*)?(\d{1,6})$")
SMS_NEWEST = {"ack", "a"}
SMS_ALL = {"ack all", "a all", "ackall"}
HELP = "Reply with the event's code to acknowledge it (e.g. 4), 'ack' for the newest, 'ack all'."
REFUSED = "You can't acknowledge that event"
# An "ack all" may cover a storm's 1,000 events, more than one task does before Q_TIMEOUT
# kills it (and a killed task is not run again: the rest would stay unacknowledged). A reply
# acknowledges for this long at most, then queues itself again for the rest (`done` > 0),
# which passes over the events acknowledged meanwhile.
ACK_BUDGET_SECONDS = 10.0


def handle_reply(*, reply_id: int, now: datetime, done: int = 0) -> list[str]:
    """Act on one inbound reply; returns what was answered (for logs and tests). `done`: how
    many of its events earlier runs of this reply acknowledged (see ACK_BUDGET_SECONDS)."""
    reply = InboundReply.objects.select_related("person").get(pk=reply_id)
    # Who answered is who sent it (`notifications` resolved the sender, and a call's key press
    # to the person called). Never the person a message was for: a Slack message in a channel
    # is clicked by whoever reads it.
    person = reply.person
    if person is None:
        # Not someone on the roster: nobody to act as, and no reason to text a stranger.
        log.warning("reply from unknown %s %s ignored: %r", reply.channel, reply.sender, reply.text)
        return []
    if reply.channel == Channel.SMS:
        return _sms(reply, person, now, done)
    if reply.channel == Channel.VOICE:
        if reply.text.strip() != "1":
            return []
        events = _events(reply.notification.references if reply.notification else [])
        said = "pressed 1 on the call"
        return _acknowledge_each(events, reply, person, Channel.VOICE, said, now, done) or []
    if reply.channel == Channel.SLACK:
        return _slack(reply, person, now, done)
    return []


def may_answer(*, reply_id: int) -> bool:
    """Whether a key press on a call acknowledges anything: what the call says at once
    (NOTIFICATIONS_MAY_ANSWER), before a worker acts on it through the same check."""
    reply = InboundReply.objects.select_related("person", "notification").get(pk=reply_id)
    if reply.person is None or reply.notification is None:
        return False
    actor = permissions.Actor.of_person(reply.person)
    events = _events(reply.notification.references)
    return any(permissions.may_act(actor=actor, event=event) for event in events)


def _slack(reply: InboundReply, person: Person, now: datetime, done: int) -> list[str]:
    """A click: "Acknowledge" (its event) or "Acknowledge all" (its bundle's, those the clicker
    may act on). A refusal is shown to the clicker alone."""
    where = delivery.clicked_in(reply=reply)
    said = "clicked Acknowledge"
    if reply.action == "acknowledge":
        events = _events([reply.text])
    elif reply.action == "acknowledge_all" and reply.notification:
        theirs = permissions.actionable(
            actor=permissions.Actor.of_person(person),
            events=Event.objects.filter(pk__in=_event_ids(reply.notification.references)),
        )
        events = list(theirs.order_by("created_at"))
    else:
        return []
    answers = _acknowledge_each(
        events, reply, person, Channel.SLACK, said, now, done, slack_channel=where
    )
    if answers is None:
        return []  # the run that finishes answers
    refused = [answer for answer in answers if REFUSED in answer]
    if refused:
        notifications.answer_click(reply=reply, text=" ".join(refused))
    return answers


@dataclass(frozen=True)
class SmsCommand:
    """What an SMS reply asks: `newest` ("ack"), `all` ("ack all"), `code` ("4", "ack 4") or
    `unknown` (anything else, answered with HELP)."""

    kind: str
    code: int | None = None


def parse_sms(text: str) -> SmsCommand:
    """Any text at all (a person's thumb, a carrier's junk): never raises."""
    said = " ".join(text.lower().split())
    if said in SMS_NEWEST:
        return SmsCommand("newest")
    if said in SMS_ALL:
        return SmsCommand("all")
    if match := SMS_CODE.match(said):
        return SmsCommand("code", int(match.group(1)))
    return SmsCommand("unknown")


def _sms(reply: InboundReply, person: Person, now: datetime, done: int) -> list[str]:
    command = parse_sms(reply.text)
    sent_to_them = Q(pk__in=_event_ids(_references_sent_to(person)))
    paged_to_them = Event.objects.filter(sent_to_them, status__in=Event.OPEN).order_by(
        "-created_at"
    )
    if command.kind == "newest":
        events = _newest_open_sent_to(person)
        if not events:
            return [_answer(person, "Nothing open was sent to you. " + HELP)]
    elif command.kind == "all":
        triggered = paged_to_them.filter(status=Event.Status.TRIGGERED)
        actor = permissions.Actor.of_person(person)
        events = list(permissions.actionable(actor=actor, events=triggered))
        if not events:
            return [_answer(person, "Nothing sent to you is waiting for an acknowledgement.")]
    elif command.kind == "code":
        code = command.code
        # Whoever's it is: one not theirs to answer is refused in so many words.
        events = list(Event.objects.filter(ack_code=code, status__in=Event.OPEN))
        if not events:
            return [_answer(person, f"No open event has code {code}. {HELP}")]
    else:
        return [_answer(person, f"Sorry, {reply.text.strip()[:40]!r} isn't a command. {HELP}")]
    said = f"replied {reply.text.strip()[:40]!r}"
    results = _acknowledge_each(events, reply, person, Channel.SMS, said, now, done)
    if results is None:
        return []  # answered by the run that finishes
    if done:
        return [_answer(person, f"{done + len(results)} events acknowledged.")]
    return [_answer(person, " ".join(results)[:320])]


def _acknowledge_each(
    events: list[Event],
    reply: InboundReply,
    person: Person,
    via: str,
    said: str,
    now: datetime,
    done: int,
    slack_channel: str = "",
) -> list[str] | None:
    """Acknowledge `events` for ACK_BUDGET_SECONDS at most; None if the rest was handed to a
    new run of the reply."""
    if done:
        events = [event for event in events if event.status == Event.Status.TRIGGERED]
    deadline = time.monotonic() + ACK_BUDGET_SECONDS
    results = []
    for event in events:
        if results and time.monotonic() > deadline:
            async_task("edrops.tasks.reply_received", reply.pk, done + len(results), **fast_lane())
            log.info("reply #%s: %d acknowledged, the rest in a new task", reply.pk, len(results))
            return None
        results.append(_acknowledge(event, person, via, said, now, slack_channel=slack_channel))
    return results


def _acknowledge(
    event: Event, person: Person, via: str, said: str, now: datetime, slack_channel: str = ""
) -> str:
    """Acknowledge `event` as `person` if they may: what to tell them, starting with its code."""
    code = f"{event.ack_code}: " if event.ack_code else ""
    said_entry = append_timeline(
        event=event, at=now, kind=TimelineEntry.Kind.REPLY, person=person, channel=via, detail=said
    )
    try:
        result = acknowledge(event=event, by=person, via=via, at=now, slack_channel=slack_channel)
    except permissions.Refused as refused:
        said_entry.detail = f"{said}: refused, not {person.handle}'s to answer"
        said_entry.save(update_fields=["detail"])
        # A text message stays short; a click is answered where there is room to say why.
        return f"{code}{REFUSED}: {refused.why}." if via == Channel.SLACK else f"{code}{REFUSED}."
    return f"{code}{result.message}."


def _answer(person: Person, text: str) -> str:
    notifications.send_status(person=person, channel=Channel.SMS, text=text)
    return text


def _newest_open_sent_to(person: Person) -> list[Event]:
    """The open event of the latest page to them (by the page, not the event: "ack" answers
    the message on their screen)."""
    recent = list(
        Notification.objects.filter(person=person, kind=Notification.Kind.PAGE)
        .exclude(reference="")
        .order_by("-id")
        .values_list("reference", flat=True)[:50]
    )
    open_events = Event.objects.filter(pk__in=_event_ids(recent), status__in=Event.OPEN)
    by_id = {str(event.pk): event for event in open_events}
    return next(([by_id[r]] for r in recent if r in by_id), [])


def _references_sent_to(person: Person) -> set[str]:
    return set(
        Notification.objects.filter(person=person, kind=Notification.Kind.PAGE)
        .exclude(reference="")
        .values_list("reference", flat=True)
    )


def _event_ids(references) -> list[uuid.UUID]:
    """References are opaque strings to `notifications`; ours are event ids."""
    ids = []
    for reference in references:
        try:
            ids.append(uuid.UUID(reference))
        except ValueError:
            log.warning("a reply names %r, which is not an event id", reference)
    return ids


def _events(references: list[str]) -> list[Event]:
    return list(Event.objects.filter(pk__in=_event_ids(references)).order_by("created_at"))
