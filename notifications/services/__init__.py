"""Writes of the notifications app. The escalation engine calls these (see each docstring):

schedule_page(*, person, channel, content, reference, due_at, team_slack_channel="")
send_status(*, person, channel, text, reference="")
schedule_channel_page(*, slack_channel, content, reference, due_at, tz) -> Notification | None
send_channel_notice(*, slack_channel, text, reference="")
post_in_threads(*, reference, text) -> list[str]   (a note, in the page's Slack threads)
answer_click(*, reply, text) -> bool            (only the clicker sees it, in Slack)
cancel_pending(*, reference, reason) -> int
enqueue_due(*, now) -> int                      (the clock, every tick)
update_slack_messages(*, reference, text, title="") -> int
schedule_forward(*, channel, destination, reference, content, due_at) -> Notification | None
forwarded(*, reference) -> list[Forwarded]      (who outside heard of it, and what last)
keep_in_outbox(*, to, subject, text)            (kept at /outbox/, sent nowhere)
send_test_page(*, person, requested_by, now) -> reference   (a test page on every method)
deliver(*, notification_id) -> str              (the delivery task)
first_page_here() -> [id]   (the step task sends its pages itself after its commit, until one
                             reaches a provider: REACHED_PROVIDER)

Upward, by task name (this app never imports the engine): settings.NOTIFICATIONS_REPLY_TASK
with each inbound reply's id, settings.NOTIFICATIONS_UNDELIVERABLE_TASK with (person id,
reference, [[channel, why], ...]) when every page to a person about a reference has failed,
settings.NOTIFICATIONS_FORWARD_FAILED_TASK with a forward's id when it failed for good.
"""

from notifications.channels.outbox import keep as keep_in_outbox
from notifications.services.contact_checks import (
    NothingToTest,
    TooSoonForTestPage,
    contact_methods,
    send_test_page,
)
from notifications.services.delivery import REACHED_PROVIDER, deliver
from notifications.services.forwards import Forwarded, forwarded, schedule_forward
from notifications.services.replies import (
    answer_click,
    callback_key,
    record_reply,
    record_twilio_status,
)
from notifications.services.rewrites import (
    refresh_bundle_message,
    update_slack_message,
    update_slack_messages,
)
from notifications.services.scheduling import (
    cancel_pending,
    enqueue_due,
    first_page_here,
    post_in_threads,
    schedule_channel_page,
    schedule_page,
    send_channel_notice,
    send_status,
)

__all__ = [
    "REACHED_PROVIDER",
    "Forwarded",
    "NothingToTest",
    "TooSoonForTestPage",
    "answer_click",
    "callback_key",
    "cancel_pending",
    "contact_methods",
    "deliver",
    "enqueue_due",
    "first_page_here",
    "forwarded",
    "keep_in_outbox",
    "post_in_threads",
    "record_reply",
    "record_twilio_status",
    "refresh_bundle_message",
    "schedule_channel_page",
    "schedule_forward",
    "schedule_page",
    "send_channel_notice",
    "send_status",
    "send_test_page",
    "update_slack_message",
    "update_slack_messages",
]
