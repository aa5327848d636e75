"""Bad messages: a clear 400, the message kept for a human, one alarm per noisy source."""

import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from edrops.models import Event, RejectedMessage
from tests.edrops.conftest import DATA

pytestmark = pytest.mark.django_db

BAD = (DATA / "bad-messages.jsonl").read_bytes().splitlines()
# The field each line of bad-messages.jsonl gets wrong, in order.
BAD_FIELD = [
    "revision",
    "severity",
    "summary",
    "external_id",
    "mw",
    "starts_at",
    "external_id",
    "body",
]


@pytest.mark.parametrize(("line", "field"), list(zip(BAD, BAD_FIELD, strict=True)))
def test_each_bad_message_gets_400_naming_the_field_and_is_kept_byte_for_byte(
    sender, source, line, field
):
    response = sender.generic("POST", "/api/v1/events", line, content_type="application/json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])
    kept = RejectedMessage.objects.get()
    assert bytes(kept.raw_body) == line
    assert (kept.source, kept.endpoint, kept.errors) == (source, "/api/v1/events", errors)
    assert Event.objects.count() == 0


def test_a_body_that_is_not_even_text_is_kept_as_it_arrived(sender):
    garbage = b"\xff\xfe\x00{not json at all\x80"

    response = sender.generic("POST", "/api/v1/events", garbage, content_type="text/plain")

    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["errors"]["body"][0]
    kept = RejectedMessage.objects.get()
    assert bytes(kept.raw_body) == garbage
    assert kept.content_type == "text/plain"


def test_a_json_list_or_nul_characters_are_rejected_not_crashed_on(sender):
    as_list = sender.generic("POST", "/api/v1/events", b"[1, 2]", content_type="application/json")
    with_nul = sender.post(
        "/api/v1/events", {"external_id": "A\u0000", "summary": "s"}, format="json"
    )

    assert (as_list.status_code, with_nul.status_code) == (400, 400)
    assert RejectedMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"external_id": "A", "summary": "s", "details": {"note": "\\ud800"}}', "details"),
        (b'{"external_id": "A", "summary": "s", "details": {"\\udc00": 1}}', "details"),
        (b'{"external_id": "A", "summary": "s", "resources": ["\xed\xa0\x80"]}', "resources"),
    ],
    ids=["escaped-in-details", "escaped-in-a-key", "raw-in-a-list"],
)
def test_an_unpaired_surrogate_anywhere_is_a_400_naming_its_field_and_the_message_is_kept(
    sender, body, field
):
    response = sender.generic("POST", "/api/v1/events", body, content_type="application/json")

    assert response.status_code == 400
    assert "Unpaired surrogates" in response.json()["errors"][field][0]
    assert bytes(RejectedMessage.objects.get().raw_body) == body
    assert Event.objects.count() == 0


def test_three_bad_messages_in_ten_minutes_raise_one_alarm_for_the_team(sender, source):
    for line in BAD:  # eight bad messages
        sender.generic("POST", "/api/v1/events", line, content_type="application/json")

    alarm = Event.objects.get()
    assert alarm.team == source.team
    assert alarm.severity == "high"
    assert alarm.status == "triggered"
    assert (
        alarm.summary == "integration miso-dispatch is sending bad messages (3 rejected in 10 min)"
    )
    assert RejectedMessage.objects.count() == 8


def test_two_bad_messages_raise_no_alarm(sender):
    for line in BAD[:2]:
        sender.generic("POST", "/api/v1/events", line, content_type="application/json")

    assert Event.objects.count() == 0


def test_after_the_alarm_is_resolved_more_bad_messages_raise_it_again(sender, source):
    from edrops import services

    for line in BAD[:3]:
        sender.generic("POST", "/api/v1/events", line, content_type="application/json")
    alarm = Event.objects.get()
    services.resolve(event=alarm, by=None, source=source, via="api", at=timezone.now())

    sender.generic("POST", "/api/v1/events", BAD[3], content_type="application/json")

    alarm.refresh_from_db()
    assert alarm.status == "triggered"
    assert "(4 rejected in 10 min)" in alarm.summary


def test_staff_read_rejected_messages_with_source_error_and_raw_body(sender, django_user_model):
    sender.generic("POST", "/api/v1/events", BAD[1], content_type="application/json")
    staff = APIClient()
    staff.force_authenticate(django_user_model.objects.create_user("ops", is_staff=True))

    response = staff.get("/api/v1/rejected")

    assert response.status_code == 200
    [message] = response.json()["results"]
    assert message["source"] == "miso-dispatch"
    assert message["endpoint"] == "/api/v1/events"
    assert "severity" in message["errors"]
    assert json.loads(message["body"])["severity"] == "urgent"
    assert message["received_at"]


def test_people_who_are_not_staff_and_sources_cannot_read_rejected_messages(responder, sender):
    assert responder.get("/api/v1/rejected").status_code == 403
    assert sender.get("/api/v1/rejected").status_code == 401
