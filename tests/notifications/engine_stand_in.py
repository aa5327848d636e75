"""Stands in for the escalation engine's reply task in these tests (the real one lives in
edrops and is the lead's). It records what arrived and answers an SMS code as the engine will:
with a status message."""

from notifications.models import Channel, InboundReply
from notifications.services import send_status

received: list[InboundReply] = []
unreachable: list[tuple[int, str, list]] = []


def reply_received(reply_id: int) -> None:
    reply = InboundReply.objects.select_related("person", "notification").get(pk=reply_id)
    received.append(reply)
    if reply.channel == Channel.SMS and reply.person:
        send_status(
            person=reply.person,
            channel=Channel.SMS,
            text=f"{reply.text}: acknowledged by {reply.person.handle} via sms",
        )


def may_answer(reply_id: int) -> bool:
    """Every key press counts here (the engine's own rule is edrops/permissions.py's)."""
    return True


def page_undeliverable(person_id: int, reference: str, failures: list) -> None:
    unreachable.append((person_id, reference, failures))
