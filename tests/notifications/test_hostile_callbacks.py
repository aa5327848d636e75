"""Provider callbacks that are signed but garbage: a 4xx or the usual answer, never a 500.

A valid signature only says the body came from someone holding the secret; what is in it is
still read defensively, and what is recorded fits its columns (PostgreSQL refuses NUL, a
sender longer than 64 characters, an unpaired surrogate in JSON)."""

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from notifications.models import InboundReply

pytestmark = pytest.mark.django_db

SLACK_SECRET = "slack-signing-secret"
TWILIO_TOKEN = "twilio-auth-token"


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.SLACK_SIGNING_SECRET = SLACK_SECRET
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.PUBLIC_BASE_URL = "http://testserver"


def slack_posts(client, payload: str, timestamp: str | None = None):
    """POST as Slack does: a form with `payload`, signed over the raw body."""
    body = urlencode({"payload": payload})
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(SLACK_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return client.generic(
        "POST",
        "/hooks/slack/interactive",
        body.encode(),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=timestamp,
        HTTP_X_SLACK_SIGNATURE=signature,
    )


def twilio_posts(client, path: str, params: dict[str, str]):
    signature = RequestValidator(TWILIO_TOKEN).compute_signature("http://testserver" + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def click(*, user="U0ALICE", value="4", **extra) -> str:
    return json.dumps(
        {
            "type": "block_actions",
            "user": user,
            "actions": [{"action_id": "acknowledge", "value": value}],
            **extra,
        }
    )


@pytest.mark.parametrize(
    "payload",
    ["not json", "[1]", "1", "null", '"text"', "[" * 5000 + "]" * 5000, "1" * 5000],
    ids=["text", "list", "number", "null", "string", "too-deep", "too-many-digits"],
)
def test_a_signed_slack_payload_that_is_not_a_json_object_is_a_400(client, payload):
    response = slack_posts(client, payload)

    assert response.status_code == 400
    assert not InboundReply.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions"},
        {"type": "block_actions", "container": "C0", "channel": "C0", "message": 1},
        {"type": "block_actions", "actions": "acknowledge"},
        {"type": "block_actions", "actions": [1, None, "x", {"action_id": ["acknowledge"]}]},
        {"type": ["block_actions"]},
    ],
    ids=["no-keys", "odd-containers", "actions-not-a-list", "odd-actions", "odd-type"],
)
def test_a_signed_slack_click_of_odd_shape_answers_200_and_records_nothing(client, payload):
    response = slack_posts(client, json.dumps(payload))

    assert response.status_code == 200
    assert not InboundReply.objects.exists()


def test_a_slack_click_whose_user_or_value_is_not_text_is_recorded_with_them_empty(client):
    response = slack_posts(client, click(user="U0ALICE", value=5))
    again = slack_posts(client, click(user={"id": 123}, value={"v": 1}))

    assert (response.status_code, again.status_code) == (200, 200)
    assert list(InboundReply.objects.values_list("sender", "text")) == [("", ""), ("", "")]


def test_a_slack_click_the_columns_cannot_hold_is_recorded_as_far_as_they_do(client):
    payload = click(user={"id": "U" * 100}, value="4\u0000", note="\ud800", big=1e999)

    response = slack_posts(client, payload)

    assert response.status_code == 200
    reply = InboundReply.objects.get()
    assert reply.sender == "U" * 64
    assert reply.text == "4"
    assert list(reply.raw) == ["not kept"]


def test_an_inbound_sms_with_a_nul_and_an_overlong_sender_is_answered_and_recorded(client):
    response = twilio_posts(
        client, "/hooks/twilio/sms", {"From": "+1312555" + "0" * 80, "Body": "ack\x00 4"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    reply = InboundReply.objects.get()
    assert (len(reply.sender), reply.text) == (64, "ack 4")
    assert list(reply.raw) == ["not kept"]


def test_twilio_callbacks_without_their_fields_or_for_no_such_page_are_not_errors(client):
    huge = "9" * 30
    assert twilio_posts(client, "/hooks/twilio/sms", {}).status_code == 200
    assert twilio_posts(client, "/hooks/twilio/status/1", {}).status_code == 204
    assert twilio_posts(client, f"/hooks/twilio/status/{huge}", {}).status_code == 204
    assert twilio_posts(client, f"/hooks/twilio/voice/{huge}", {}).status_code == 404
    assert twilio_posts(client, f"/hooks/twilio/gather/{huge}", {"Digits": "1"}).status_code == 404


@pytest.mark.parametrize(
    "timestamp",
    [
        "not-a-number",
        "",
        "1.7e9",
        "\uff11\uff17\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10",
        "9" * 5000,
    ],
    ids=["word", "empty", "float", "fullwidth-digits", "too-many-digits"],
)
def test_a_click_signed_with_a_malformed_timestamp_is_a_403_and_records_nothing(client, timestamp):
    response = slack_posts(client, click(), timestamp=timestamp)

    assert response.status_code == 403
    assert not InboundReply.objects.exists()
