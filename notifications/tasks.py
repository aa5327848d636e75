"""django-q2 task entry points: thin, they call services."""

from notifications import services
from notifications.queue import riding_out_outages


def deliver(notification_id: int) -> str:
    # Run again from the start if the database went away: a claim that didn't commit is
    # claimed again; one that did leaves the page `sending`, taken back after
    # STUCK_SENDING_AFTER (at least once, never lost).
    return riding_out_outages(
        lambda: services.deliver(notification_id=notification_id),
        what=f"delivery of notification #{notification_id}",
    )


def update_slack_message(message_id: int, text: str) -> None:
    services.update_slack_message(message_id=message_id, text=text)


def refresh_bundle_message(message_id: int) -> None:
    services.refresh_bundle_message(message_id=message_id)
