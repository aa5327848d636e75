"""Voice calls through Twilio: the call fetches its TwiML from us when answered, reads the page,
asks for 1 to acknowledge (twice), then says goodbye. Its final status (completed, busy,
no-answer, failed) comes back to the status callback."""

from django.conf import settings
from twilio.twiml.voice_response import VoiceResponse

from notifications.channels import twilio_api
from notifications.channels.base import Sent, TransportError
from notifications.models import Notification

RING_SECONDS = 30
ASK = "Press 1 to acknowledge."


def send(notification: Notification) -> Sent:
    if not notification.person.phone:
        raise TransportError(f"{notification.person} has no phone number", permanent=True)
    sid = twilio_api.call_twilio(
        twilio_api.client().calls.create,
        to=notification.person.phone,
        from_=settings.TWILIO_FROM_NUMBER,
        url=twilio_api.callback_url("twilio-voice", notification),
        method="POST",
        status_callback=twilio_api.callback_url("twilio-status", notification),
        status_callback_method="POST",
        timeout=RING_SECONDS,
    )
    return Sent(provider_id=sid)


def script_twiml(notification: Notification) -> str:
    """What the call says when answered: the page, then 'press 1', asked twice. A test page
    asks nothing: it says itself twice and hangs up (answering was the test)."""
    response = VoiceResponse()
    if notification.kind == Notification.Kind.TEST:
        response.say(notification.text)
        response.say(f"Again: {notification.text}. Goodbye.")
        response.hangup()
        return str(response)
    action = twilio_api.callback_url("twilio-gather", notification)
    for first in (True, False):
        gather = response.gather(num_digits=1, action=action, method="POST", timeout=6)
        gather.say(notification.text if first else f"Again: {notification.text}")
        gather.say(ASK)
    response.say("No key pressed. Goodbye.")
    response.hangup()
    return str(response)


def key_pressed_twiml(digits: str, notification: Notification, *, allowed: bool = True) -> str:
    """The answer to a key press; `allowed`: whether the engine lets this person acknowledge
    what the call is about."""
    response = VoiceResponse()
    if digits == "1" and not allowed:
        response.say("Sorry. You can't acknowledge that event: it is not yours to answer. Goodbye.")
        response.hangup()
    elif digits == "1":
        response.say("Thank you. Your acknowledgement is recorded. Goodbye.")
        response.hangup()
    else:
        response.say(f"You pressed {digits or 'nothing'}.")
        response.redirect(twilio_api.callback_url("twilio-voice", notification), method="POST")
    return str(response)
