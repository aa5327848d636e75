"""Slack through the Web API: one message per event in the team channel, and a DM to the person,
each with an *Acknowledge* button; both kept (channel, ts) so they can be updated later. A
channel post (no person) is the one message in its channel."""

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from notifications import slack_blocks
from notifications.channels.base import Sent, TransportError
from notifications.content import PageContent
from notifications.models import Notification, SlackMessage

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
        timeout=settings.PROVIDER_TIMEOUT,
        retry_handlers=[],
    )


def blocks_for(notification: Notification) -> list:
    if notification.kind == Notification.Kind.PAGE:
        content = PageContent.from_json(notification.content)
        _, blocks = slack_blocks.render_page(
            content,
            tz=notification.tz,
            now=notification.sent_at,
            reference=notification.reference,
        )
        return blocks
    if notification.kind == Notification.Kind.BUNDLE:
        return slack_blocks.bundle_blocks(notification.text, bundle_id=notification.pk)
    return [slack_blocks.section(notification.text)]


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


def page_posted_in(channel: str, *, reference: str) -> SlackMessage | None:
    """The page about `reference` already in `channel` (one per event, however many are paged
    and whether a person's page or a step's `slack:` target put it there). One rewritten with
    its answer doesn't count: the event has reopened, and the channel must see it again."""
    return SlackMessage.objects.filter(
        notification__reference=reference,
        notification__kind=Notification.Kind.PAGE,
        is_direct=False,
        channel=channel,
        notification__answered_at__isnull=True,
    ).first()


def send(notification: Notification) -> Sent:
    if notification.person_id is None:
        return _post_to_channel(notification)
    person = notification.person
    team = notification.team_slack_channel
    posted = {m.is_direct: m for m in notification.slack_messages.all()}  # earlier attempts
    targets = []
    if (
        team
        and notification.kind == Notification.Kind.PAGE
        and False not in posted
        and not page_posted_in(team, reference=notification.reference)
    ):
        targets.append((team, False))
    if person.slack_user_id and True not in posted:
        targets.append((person.slack_user_id, True))
    posted.update(_post(notification, targets))
    if True not in posted:
        raise TransportError(f"{person} has no Slack user id", permanent=True)
    return Sent(provider_id=posted[True].ts)


def _post_to_channel(notification: Notification) -> Sent:
    channel = notification.slack_channel
    if earlier := notification.slack_messages.first():  # posted by an earlier attempt
        return Sent(provider_id=earlier.ts, detail=f"posted to {channel}")
    if notification.kind == Notification.Kind.PAGE and (
        there := page_posted_in(channel, reference=notification.reference)
    ):
        return Sent(provider_id=there.ts, detail=f"{channel} already has the page")
    posted = _post(notification, [(channel, False)])
    return Sent(provider_id=posted[False].ts, detail=f"posted to {channel}")


def _post(notification: Notification, targets: list[tuple[str, bool]]) -> dict[bool, SlackMessage]:
    """Post to each (channel, is_direct), keeping each message as soon as it is posted, so a
    retry after a later target failed doesn't post it twice."""
    if not targets:
        return {}
    blocks = blocks_for(notification)
    # A reply in a page's thread (notifications.services.post_in_threads); else None, which
    # the SDK leaves out.
    thread_ts = notification.content.get("thread_ts")
    posted = {}
    web = client()
    for channel, direct in targets:
        try:
            response = web.chat_postMessage(
                channel=channel,
                text=slack_blocks.clip(notification.text, slack_blocks.TEXT_MAX),
                blocks=blocks,
                unfurl_links=False,
                thread_ts=thread_ts,
            )
        except (SlackClientError, OSError) as error:  # OSError: refused, timed out, DNS
            raise as_transport_error(error) from error
        posted[direct] = SlackMessage.objects.create(
            notification=notification,
            channel=response["channel"],
            ts=response["ts"],
            is_direct=direct,
        )
    return posted


def update(*, message: SlackMessage, text: str, blocks: list | None = None) -> None:
    """Replace a posted message with `text` (Slack markup, escaped by its maker); without
    `blocks`, text only (the button goes: answered)."""
    try:
        client().chat_update(
            channel=message.channel,
            ts=message.ts,
            text=slack_blocks.clip(text, slack_blocks.TEXT_MAX),
            blocks=blocks or [slack_blocks.section(text)],
        )
    except (SlackClientError, OSError) as error:
        raise as_transport_error(error) from error


def tell_only(*, channel: str, user: str, text: str) -> None:
    """A message in `channel` that only `user` sees (Slack's ephemeral message): the answer to
    their click that concerns nobody else."""
    try:
        client().chat_postEphemeral(
            channel=channel, user=user, text=slack_blocks.clip(text, slack_blocks.TEXT_MAX)
        )
    except (SlackClientError, OSError) as error:
        raise as_transport_error(error) from error
