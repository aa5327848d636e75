"""django-q2 task entry points: thin, they call services."""

from notifications import services


def deliver(notification_id: int) -> str:
    return services.deliver(notification_id=notification_id)


def update_slack_message(message_id: int, text: str) -> None:
    services.update_slack_message(message_id=message_id, text=text)


def refresh_bundle_message(message_id: int) -> None:
    services.refresh_bundle_message(message_id=message_id)
