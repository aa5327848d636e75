"""Hostile bodies with a valid token: a 400 naming the field, the message kept, never a 500.

Each of these answered 500 on PostgreSQL (the one-statement insert bypasses the model's checks,
and PostgreSQL refuses what SQLite quietly keeps) or crashed reading the JSON; the body was lost.
"""

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from edrops import services
from edrops.api.body import MAX_DEPTH
from edrops.models import Event, EventRevision, RejectedMessage
from notifications.models import Notification
from rosters.columns import column_errors, value_problem
from tests.edrops.conftest import MISO
from tests.factories import PersonFactory
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"
PD_URL = "/api/v1/integrations/pagerduty/v2/enqueue"
AM_URL = "/api/v1/integrations/alertmanager"


def post(sender, body: bytes, content_type: str = "application/json", url: str = EVENTS):
    return sender.generic("POST", url, body, content_type=content_type)


def native(**fields) -> bytes:
    return json.dumps({"external_id": "X-1", "summary": "hostile", **fields}).encode()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_refused_naming(response, field: str, body: bytes) -> list[str]:
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert all(isinstance(m, str) and m for m in errors[field])
    kept = RejectedMessage.objects.get()
    assert bytes(kept.raw_body) == body
    assert kept.errors == errors
    assert Event.objects.count() == 0
    return errors[field]


@pytest.mark.parametrize("revision", [2**31, 82693657941, 2**63, 10**40])
def test_a_revision_past_what_the_column_holds_is_refused_naming_it(sender, revision):
    body = native(revision=revision)

    [message] = assert_refused_naming(post(sender, body), "revision", body)

    assert message == "Ensure this value is less than or equal to 2147483647."


def test_the_largest_revision_the_column_holds_is_accepted(sender):
    assert post(sender, native(revision=2**31 - 1)).status_code == 202


def test_a_revision_past_the_column_of_a_known_event_is_refused_too(sender):
    """The update path (save(), not the one-statement insert): SQLite would keep 2**31."""
    post(sender, native(revision=1))

    body = native(revision=2**31)
    response = post(sender, body)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["revision"]
    assert Event.objects.get().revision == 1
    assert bytes(RejectedMessage.objects.get().raw_body) == body


def test_ingest_itself_refuses_what_the_columns_cannot_hold_and_writes_nothing(source):
    """For every caller, not only the API's serializers (whose limits are the columns' too)."""
    data = services.EventInput(
        external_id="X" * 256, summary="s", revision=2**31, body={"k": "\x00"}, mw=Decimal("1e12")
    )

    with pytest.raises(services.Unstorable) as refused:
        services.ingest(source=source, data=data, now=timezone.now())

    assert refused.value.errors == {
        "external_id": ["At most 255 characters (this has 256)."],
        "revision": ["Must be a whole number from 0 to 2147483647."],
        "mw": ["Ensure that there are no more than 12 digits in total."],
        "body": ["k: NUL characters (\\u0000) are not allowed in strings."],
    }
    assert Event.objects.count() == 0
    source.refresh_from_db()
    assert source.last_heartbeat_at is None  # not even a sign of life


def test_mw_of_5000_digits_is_refused_naming_mw(sender):
    body = b'{"external_id": "X-1", "summary": "hostile", "mw": ' + b"9" * 5000 + b"}"

    [message] = assert_refused_naming(post(sender, body), "mw", body)

    assert "4300 digits" in message


def test_mw_of_more_digits_than_the_column_is_refused_naming_mw(sender):
    body = native(mw=123456789012345.5)

    [message] = assert_refused_naming(post(sender, body), "mw", body)

    assert "12 digits" in message


def test_a_number_past_a_double_anywhere_is_refused_naming_its_field(sender):
    body = b'{"external_id": "X-1", "summary": "hostile", "details": {"x": 1e400}}'

    [message] = assert_refused_naming(post(sender, body), "details", body)

    assert "1.8e308" in message


def test_details_nested_100000_deep_is_refused_naming_details(sender):
    body = native(details={"a": []})
    body = body.replace(b"[]", nested(100_000).encode())
    assert len(body) < 512 * 1024

    [message] = assert_refused_naming(post(sender, body), "details", body)

    assert f"nested more than {MAX_DEPTH} deep" in message


def test_details_nested_just_past_the_limit_is_refused_and_at_it_accepted(sender):
    # `details` itself is the first level.
    at_limit = json.loads(nested(MAX_DEPTH - 1))
    assert post(sender, native(details={"a": at_limit})).status_code == 202

    too_deep = native(external_id="X-2", details={"a": json.loads(nested(MAX_DEPTH))})
    response = post(sender, too_deep)

    assert response.status_code == 400
    [message] = response.json()["errors"]["details"]
    assert message.startswith("details.a[0][0]")
    assert message.endswith("...: nested more than 32 deep")


@pytest.mark.parametrize(
    ("text", "field", "why"),
    [
        ('{"external_id": "X-\\u0000", "summary": "s"}', "external_id", "NUL"),
        ('{"external_id": "X-1", "summary": "s", "details": {"x": "\\ud800"}}', "details", "surr"),
        ('{"external_id": "X-1", "summary": "s", "resources": ["\\udc00"]}', "resources", "surr"),
    ],
)
def test_a_utf16_body_hides_no_nul_or_surrogate_escape(sender, text, field, why):
    body = text.encode("utf-16")

    [message] = assert_refused_naming(
        post(sender, body, content_type="application/json; charset=utf-16"), field, body
    )

    assert ("NUL characters" if why == "NUL" else "Unpaired surrogates") in message


def test_a_clean_utf16_body_is_read_as_json_reads_it(sender):
    body = json.dumps(MISO).encode("utf-16")

    response = post(sender, body, content_type="application/json; charset=utf-16")

    assert response.status_code == 202


def test_a_nul_in_a_top_level_key_names_the_body(sender):
    body = b'{"external_id": "X-1", "summary": "s", "\\u0000": 1}'

    [message] = assert_refused_naming(post(sender, body), "body", body)

    assert message.startswith("A key: NUL characters")


# --- PagerDuty and Alertmanager ---------------------------------------------------------------


def pagerduty(**payload) -> dict:
    return {
        "routing_key": "miso-secret-token",
        "event_action": "trigger",
        "dedup_key": "pd-1",
        "payload": {"summary": "s", "source": "gw", "severity": "error", **payload},
    }


def test_pagerduty_custom_details_nested_too_deep_is_refused_in_its_own_words(client, source):
    body = json.dumps(pagerduty(custom_details={"a": []})).encode()
    body = body.replace(b"[]", nested(50_000).encode())

    response = post(client, body, url=PD_URL)

    assert response.status_code == 400
    assert response.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["payload: nested more than 32 deep."],
    }
    # Unread, the body names no sender we know: like any such body, not kept.
    assert RejectedMessage.objects.count() == 0
    assert Event.objects.count() == 0


def test_pagerduty_number_past_a_double_is_refused(client, source):
    body = json.dumps(pagerduty(custom_details={"x": 1})).encode().replace(b": 1}", b": 1e999}")

    response = post(client, body, url=PD_URL)

    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("payload: ")


def test_pagerduty_nul_in_a_known_source_body_is_kept_without_the_routing_key(client, source):
    body = json.dumps(pagerduty(component="gw\u0000")).encode()

    response = post(client, body, url=PD_URL)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error == "payload.component: NUL characters (\\u0000) are not allowed in strings."
    kept = RejectedMessage.objects.get()
    assert kept.source == source  # read, so its routing_key named the sender
    assert b"miso-secret-token" not in bytes(kept.raw_body)
    assert Event.objects.count() == 0


def alertmanager(*alerts: dict) -> dict:
    return {"version": "4", "status": "firing", "alerts": list(alerts)}


def alert(fingerprint: str, **extra) -> dict:
    return {"status": "firing", "labels": {"alertname": "x"}, "fingerprint": fingerprint, **extra}


def test_alertmanager_alert_nested_too_deep_is_refused_naming_alerts(sender):
    body = json.dumps(alertmanager(alert("a1", extra={"a": []}))).encode()
    body = body.replace(b"[]", nested(5000).encode())

    [message] = assert_refused_naming(post(sender, body, url=AM_URL), "alerts", body)

    assert "nested more than 32 deep" in message


def test_alertmanager_alert_with_a_huge_number_is_refused_naming_alerts(sender):
    body = json.dumps(alertmanager(alert("a1", extra=1))).encode()
    body = body.replace(b'"extra": 1', b'"extra": ' + b"7" * 4400)

    [message] = assert_refused_naming(post(sender, body, url=AM_URL), "alerts", body)

    assert "4300 digits" in message


def test_heartbeat_ignores_a_hostile_body(sender):
    body = nested(100_000).encode()

    response = post(sender, body, url="/api/v1/heartbeat")

    assert response.status_code == 200
    assert RejectedMessage.objects.count() == 0


# --- The limits are the columns' own ----------------------------------------------------------


def test_every_integer_column_of_an_event_has_its_range_checked():
    integer_fields = [
        f
        for f in Event._meta.concrete_fields
        if f.get_internal_type().endswith("IntegerField") and not f.is_relation
    ]
    assert {f.name for f in integer_fields} >= {"revision", "step_index", "ack_code"}
    for field in integer_fields:
        assert value_problem(field, 2**63), field.name
        assert not value_problem(field, 1), field.name


def test_char_columns_are_checked_against_their_own_max_length():
    assert column_errors(Event, {"market": "M" * 64, "location": "L" * 255}) == {}
    assert column_errors(Event, {"market": "M" * 65}) == {
        "market": ["At most 64 characters (this has 65)."]
    }


def test_json_columns_refuse_what_postgresql_cannot_read_back():
    deep: list = []
    for _ in range(100):
        deep = [deep]

    errors = column_errors(
        EventRevision, {"body": {"ok": [1, 2.5, "x", None, True], "bad": {"k": "\x00"}}}
    )

    assert errors == {"body": ["bad.k: NUL characters (\\u0000) are not allowed in strings."]}
    [too_deep] = column_errors(Event, {"details": {"d": deep}})["details"]
    assert "nested more than 64 deep" in too_deep
    assert column_errors(Event, {"details": {"f": float("nan")}})


# --- Times a page can be written with ---------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("respond_by", "9999-12-31T23:59:59+00:00"),
        ("respond_by", "0001-01-01T00:00:00+00:00"),
        ("starts_at", "9999-12-31T23:59:59+05:00"),
        ("ends_at", "2200-01-01T00:00:00Z"),
    ],
)
def test_a_time_outside_1970_to_2200_is_refused_naming_it(sender, field, value):
    """Stored, such a time was accepted (202) and then the page for it could not be written
    in a zone like UTC+14: the worker failed on every attempt and nobody was paged."""
    body = native(**{field: value})

    [message] = assert_refused_naming(post(sender, body), field, body)

    assert message == "Must be a time from 1970 to 2200."


def test_alertmanager_ends_at_in_the_year_9999_is_refused_naming_alerts(sender):
    body = json.dumps(alertmanager(alert("a1", endsAt="9999-12-31T23:59:59Z"))).encode()

    response = post(sender, body, url=AM_URL)

    assert response.status_code == 400
    assert response.json() == {
        "errors": {"alerts": [{"ends_at": ["Must be a time from 1970 to 2200."]}]}
    }


def test_a_page_for_a_time_near_the_limit_goes_out_in_any_zone(sender, team):
    far_east = PersonFactory(handle="kiri", phone="+6867500000", timezone="Pacific/Kiritimati")
    team.members.add(far_east)

    response = post(
        sender, native(respond_by="2199-12-31T23:59:59Z", starts_at="1970-01-01T00:00Z")
    )
    run_queued_tasks()

    assert response.status_code == 202
    assert Notification.objects.filter(person=far_east).exclude(state="pending").exists()
