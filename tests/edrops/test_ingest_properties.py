"""Properties of ingest, for any body a source with a valid token may send: the answer is a 2xx,
or a 4xx with JSON errors (a 403 `detail` for a `team` it may not page) and the body kept as a
rejected message; never an exception.

Transactional: every request commits on its own, as in production, so a statement PostgreSQL
refuses fails that request alone (and this test), not every later example in a rolled-back
test transaction."""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from edrops import services
from edrops.models import RejectedMessage
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)

PROPERTIES = settings(
    # A few seconds in the suite; PROPERTY_EXAMPLES=2000 for a longer hunt.
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")),
    deadline=None,
    # One source for all examples of a test: what they leave behind is part of the test.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TOKEN = "property-token"
PD_URL = "/api/v1/integrations/pagerduty/v2/enqueue"
AM_URL = "/api/v1/integrations/alertmanager"

# Text as a hostile sender writes it: control characters, NUL, unpaired surrogates, long.
hostile_text = st.one_of(
    st.text(max_size=20),
    st.text(st.characters(categories=["Cc", "Cs", "Zs", "Nd"]), max_size=10),
    st.sampled_from(["", "\x00", "\ud800", "x" * 256, "x" * 1025, "grid-ops", "\\u0000"]),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**31 - 2, max_value=2**31 + 2),
    st.sampled_from([2**63, -(2**63) - 1, 10**40, 10**400]),
    st.floats(),  # NaN and Infinity too: json.dumps writes them, JSON has neither
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)
datetimes = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2026-07-14T19:00:00-05:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "2026-13-01T00:00:00Z",
            "2026-07-14T19:00:00",
        ]
    ),
    hostile_text,
)
# Bodies shaped like a native event, each field from its own hostile range (or any value).
native_events = st.fixed_dictionaries(
    {"external_id": hostile_text, "summary": hostile_text},
    optional={
        "revision": st.one_of(numbers, json_values),
        "status": st.one_of(st.sampled_from(["active", "cancelled", "scheduled"]), scalars),
        "severity": st.one_of(st.sampled_from(["critical", "low"]), scalars),
        "market": hostile_text,
        "mw": st.one_of(numbers, scalars),
        "starts_at": datetimes,
        "ends_at": datetimes,
        "respond_by": datetimes,
        "resources": st.one_of(st.lists(hostile_text, max_size=3), json_values),
        "test": scalars,
        "team": st.one_of(st.just("grid-ops"), scalars),
        "details": json_values,
    },
)
alerts = st.fixed_dictionaries(
    {"status": st.sampled_from(["firing", "resolved"]), "fingerprint": hostile_text},
    optional={
        "labels": st.dictionaries(hostile_text, st.one_of(hostile_text, json_values), max_size=3),
        "annotations": st.dictionaries(hostile_text, hostile_text, max_size=2),
        "startsAt": datetimes,
        "endsAt": datetimes,
    },
)
alertmanager_bodies = st.fixed_dictionaries(
    {"version": st.just("4"), "status": st.sampled_from(["firing", "resolved"])},
    optional={"alerts": st.one_of(st.lists(alerts, max_size=3), json_values)},
)
pagerduty_bodies = st.fixed_dictionaries(
    {"routing_key": st.just(TOKEN), "event_action": st.sampled_from(["trigger", "resolve"])},
    optional={
        "dedup_key": hostile_text,
        "payload": st.one_of(
            st.fixed_dictionaries(
                {"summary": hostile_text, "source": hostile_text, "severity": hostile_text},
                optional={"custom_details": json_values, "timestamp": datetimes},
            ),
            json_values,
        ),
    },
)


def as_body(value, encoding: str) -> bytes:
    """JSON as a sender might write it: escaped or not, UTF-8 or -16 (unpaired surrogates as
    they are, which is not valid UTF, but is what a careless sender sends)."""
    text = json.dumps(value, ensure_ascii=encoding == "ascii")
    return text.encode("utf-8" if encoding == "ascii" else encoding, "surrogatepass")


encodings = st.sampled_from(["ascii", "utf-8", "utf-16"])


@pytest.fixture
def sender(transactional_db):
    team = TeamFactory(slug="grid-ops")
    services.upsert_source(name="property", team=team, token=TOKEN, rate_limit=0)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


def is_json(body: bytes) -> bool:
    """Strict JSON (no NaN or Infinity), as a reader other than ours would take it."""

    def refuse(name):
        raise ValueError(name)

    try:
        text = body.decode(json.detect_encoding(body), "surrogatepass")
        return isinstance(json.loads(text, parse_constant=refuse), dict)
    except ValueError:
        return False


def assert_answered(
    sender, url: str, body: bytes, content_type: str = "application/json", *, kept_if=True
):
    """The property itself. `kept_if`: whether a 400 for this body is kept (PagerDuty's sender
    is named inside the body, so one that isn't JSON has none we know)."""
    before = RejectedMessage.objects.count()

    response = sender.generic("POST", url, body, content_type=content_type)

    assert response.status_code in (200, 202, 400, 403), response.content[:500]
    kept = RejectedMessage.objects.count() - before
    if response.status_code == 400:
        reply = response.json()
        errors = reply["errors"]
        assert errors, reply
        assert kept == (1 if kept_if else 0)
    elif response.status_code == 403:  # a `team` the source may not page, or that isn't
        assert response.json()["detail"].startswith("This source may not page team")
        assert kept == 1
    else:
        assert kept == 0


@PROPERTIES
@given(body=st.binary(max_size=300))
def test_any_bytes_are_answered_and_a_400_is_kept(sender, body):
    assert_answered(sender, "/api/v1/events", body)


@PROPERTIES
@given(value=json_values, encoding=encodings)
def test_any_json_value_is_answered_and_a_400_is_kept(sender, value, encoding):
    assert_answered(sender, "/api/v1/events", as_body(value, encoding))


@PROPERTIES
@given(event=native_events, encoding=encodings)
def test_any_native_event_is_answered_and_a_400_is_kept(sender, event, encoding):
    assert_answered(sender, "/api/v1/events", as_body(event, encoding))


@PROPERTIES
@given(body=alertmanager_bodies, encoding=encodings)
def test_any_alertmanager_body_is_answered_and_a_400_is_kept(sender, body, encoding):
    assert_answered(sender, AM_URL, as_body(body, encoding))


@PROPERTIES
@given(body=pagerduty_bodies, encoding=encodings)
def test_any_pagerduty_body_from_a_known_source_is_answered_and_a_400_is_kept(
    sender, body, encoding
):
    raw = as_body(body, encoding)
    assert_answered(sender, PD_URL, raw, kept_if=is_json(raw))
