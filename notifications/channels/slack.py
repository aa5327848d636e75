"""Slack through the Web API: one message per event in the team channel, and a DM to the person,
each with an *Acknowledge* button; both kept (channel, ts) so they can be updated later."""

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from notifications import rendering
from notifications.channels.base import Sent, TransportError
from notifications.content import PageContent
from notifications.models import Notification, SlackMessage

TIMEOUT_SECONDS = 10

# No retry will fix these; anything else (ratelimited, 5xx, internal_error) is tried again.
PERMANENT_ERRORS = {
    "channel_not_found",
    "user_not_found",
    "not_in_channel",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "is_archived",
    "missing_scope",
    "no_permission",
    "invalid_blocks",
    "msg_too_long",
    "cant_update_message",
    "message_not_found",
}


def client() -> WebClient:
    # No SDK-side retries: every retry is ours, logged and spaced by the delivery task, so a
    # worker never sleeps through a Retry-After.
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[],
    )


def blocks_for(notification: Notification) -> list:
    if notification.kind == Notification.Kind.PAGE:
        content = PageContent.from_json(notification.content)
        _, blocks = rendering.render_slack(
            content,
            tz=notification.person.tz,
            now=notification.sent_at,
            reference=notification.reference,
        )
        return blocks
    if notification.kind == Notification.Kind.BUNDLE:
        return rendering.bundle_slack_blocks(notification.text, bundle_id=notification.pk)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": notification.text}}]


def as_transport_error(error: SlackClientError | OSError) -> TransportError:
    if not isinstance(error, SlackApiError):
        return TransportError(f"slack unreachable: {error}")
    response = error.response
    if response.status_code >= 500:
        return TransportError(f"slack HTTP {response.status_code}")
    code = response.get("error") if isinstance(response.data, dict) else None
    code = code or f"HTTP {response.status_code}"
    if response.status_code == 429:
        retry_after = float(
            response.headers.get("Retry-After") or response.headers.get("retry-after") or 1
        )
        return TransportError(
            f"slack {code}, Retry-After {retry_after:g} s", retry_after=retry_after
        )
    return TransportError(f"slack {code}", permanent=code in PERMANENT_ERRORS)


def send(notification: Notification) -> Sent:
    person = notification.person
    blocks = blocks_for(notification)
    team = notification.team_slack_channel
    posted = {m.is_direct: m for m in notification.slack_messages.all()}  # earlier attempts
    # One message per event in the team channel, however many people are paged.
    team_has_it = SlackMessage.objects.filter(
        notification__reference=notification.reference, is_direct=False, channel=team
    ).exists()
    targets = []
    if (
        team
        and notification.kind == Notification.Kind.PAGE
        and not team_has_it
        and False not in posted
    ):
        targets.append((team, False))
    if person.slack_user_id and True not in posted:
        targets.append((person.slack_user_id, True))
    web = client()
    for channel, direct in targets:
        try:
            response = web.chat_postMessage(
                channel=channel, text=notification.text, blocks=blocks, unfurl_links=False
            )
        except (SlackClientError, OSError) as error:  # OSError: refused, timed out, DNS
            raise as_transport_error(error) from error
        posted[direct] = SlackMessage.objects.create(
            notification=notification,
            channel=response["channel"],
            ts=response["ts"],
            is_direct=direct,
        )
    if True not in posted:
        raise TransportError(f"{person} has no Slack user id", permanent=True)
    return Sent(provider_id=posted[True].ts)


def update(*, message: SlackMessage, text: str) -> None:
    """Replace a posted message (the button goes: it has been answered)."""
    try:
        client().chat_update(
            channel=message.channel,
            ts=message.ts,
            text=text,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        )
    except (SlackClientError, OSError) as error:
        raise as_transport_error(error) from error
