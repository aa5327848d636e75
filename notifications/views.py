"""Provider webhooks (verified with the SDKs' own helpers) and the outbox page. Thin: they
verify, parse, and call services."""

import functools
import json
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from slack_sdk.signature import SignatureVerifier
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from notifications import selectors, services
from notifications.channels import voice
from notifications.models import Channel, Notification, SlackMessage

# Unix seconds, ASCII digits only (re.ASCII: \d would take any script's digits).
SLACK_TIMESTAMP = re.compile(r"\d{1,12}", re.ASCII)


def twilio_signed(view):
    """403 unless X-Twilio-Signature is Twilio's HMAC of the URL under PUBLIC_BASE_URL (what
    Twilio was given) and the parameters, keyed with our auth token."""

    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def checked(request: HttpRequest, *args, **kwargs):
        url = settings.PUBLIC_BASE_URL + request.get_full_path()
        signature = request.headers.get("X-Twilio-Signature", "")
        token = settings.TWILIO_AUTH_TOKEN
        if not token or not RequestValidator(token).validate(url, request.POST, signature):
            return HttpResponseForbidden("invalid Twilio signature")
        return view(request, *args, **kwargs)

    return checked


def twiml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml")


@twilio_signed
def twilio_status(request: HttpRequest, notification_id: int) -> HttpResponse:
    services.record_twilio_status(notification_id=notification_id, params=request.POST.dict())
    return HttpResponse(status=204)


@twilio_signed
def twilio_voice(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=notification_id, channel=Channel.VOICE)
    return twiml(voice.script_twiml(notification))


@twilio_signed
def twilio_gather(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=notification_id, channel=Channel.VOICE)
    digits = request.POST.get("Digits", "")
    reply = services.record_reply(
        channel=Channel.VOICE,
        sender=request.POST.get("To", ""),
        text=digits,
        notification=notification,
        raw=request.POST.dict(),
        provider_key=services.callback_key(
            "twilio-gather", request.POST.get("CallSid", ""), digits
        ),
    )
    # The call says at once whether "1" counts; the engine decides (the same check its
    # worker makes when it acts on the reply). A replay (no reply recorded) changes nothing:
    # Twilio only reads the answer out.
    allowed = (
        digits != "1"
        or reply is None
        or import_string(settings.NOTIFICATIONS_MAY_ANSWER)(reply_id=reply.pk)
    )
    return twiml(voice.key_pressed_twiml(digits, notification, allowed=allowed))


@twilio_signed
def twilio_sms(request: HttpRequest) -> HttpResponse:
    services.record_reply(
        channel=Channel.SMS,
        sender=request.POST.get("From", ""),
        text=request.POST.get("Body", ""),
        raw=request.POST.dict(),
        provider_key=services.callback_key("twilio-sms", request.POST.get("MessageSid", "")),
    )
    # The answer ("acknowledged", "unknown code") is the engine's, sent as a status message.
    return twiml(str(MessagingResponse()))


@csrf_exempt
@require_POST
def slack_interactive(request: HttpRequest) -> HttpResponse:
    """Button clicks. 403 unless signed with our signing secret less than 5 minutes ago; each
    click applied once, by its `action_ts` and clicker (a replay within those 5 minutes: 200,
    nothing changes)."""
    secret = settings.SLACK_SIGNING_SECRET
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not SLACK_TIMESTAMP.fullmatch(timestamp):
        # The SDK would int() it: "abc" would be a 500, and digits of other scripts a number.
        return HttpResponseForbidden("invalid Slack timestamp")
    if not secret or not SignatureVerifier(secret).is_valid_request(request.body, request.headers):
        return HttpResponseForbidden("invalid Slack signature")
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except (ValueError, RecursionError):  # not JSON, too deep, a number too long to read
        return HttpResponse("payload is not JSON", status=400)
    if not isinstance(payload, dict):
        return HttpResponse("payload is not a JSON object", status=400)
    if payload.get("type") != "block_actions":
        return HttpResponse(status=200)
    # Signed, so Slack's; still read defensively: a missing or odd key is an empty string.
    container = _object(payload, "container")
    message = SlackMessage.objects.filter(
        channel=_text(container, "channel_id") or _text(_object(payload, "channel"), "id"),
        ts=_text(container, "message_ts") or _text(_object(payload, "message"), "ts"),
    ).first()
    actions = payload.get("actions")
    for action in actions if isinstance(actions, list) else []:
        action_id = _text(action, "action_id")
        if action_id not in ("acknowledge", "acknowledge_all", "decline"):
            continue
        clicker = _text(_object(payload, "user"), "id")
        services.record_reply(
            channel=Channel.SLACK,
            sender=clicker,
            text=_text(action, "value"),
            action=action_id,
            notification=message.notification if message else None,
            raw=payload,
            provider_key=services.callback_key("slack", clicker, _text(action, "action_ts")),
        )
    return HttpResponse(status=200)


def _object(data: Any, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _text(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/outbox.html", {"entries": selectors.outbox()})
