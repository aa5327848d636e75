"""Whatever a correctly signed body to /hooks/pagerduty holds (any JSON, any shape of v3
webhook, NUL, lone surrogates, an agent's name of 10,000 characters, an incident_key that is
no id), the answer is 202 or 400 (413 past the body limit), never a 500, and only a real
acknowledge of an event forwarded to PagerDuty changes it."""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edrops.api.body import MAX_BODY_BYTES
from edrops.models import Event
from tests.fakes.pagerduty import sign

SECRET = "fake-pd-secret"
any_char = st.characters(exclude_categories=())
text = st.text(any_char, max_size=40) | st.builds(lambda s: s * 2000, st.text(any_char, max_size=5))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=12,
)
webhooks = st.fixed_dictionaries(
    {
        "event": st.fixed_dictionaries(
            {},
            optional={
                "id": json_values | text,
                "event_type": json_values
                | st.sampled_from(["incident.acknowledged", "incident.resolved", "pagey.ping"]),
                "agent": json_values | st.fixed_dictionaries({"summary": json_values | text}),
                "data": json_values | st.fixed_dictionaries({"incident_key": json_values | text}),
            },
        )
    }
)
bodies = st.one_of(
    webhooks.map(lambda b: json.dumps(b).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
)


@pytest.fixture
def pagerduty_secret(settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = SECRET


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=bodies)
@example(
    raw=b'{"event": {"id": "x", "event_type": "incident.acknowledged", '
    b'"agent": {"summary": "\\u0000"}, "data": {"incident_key": "\\ud800"}}}'
)
@example(
    raw=b'{"event": {"id": "x", "event_type": "incident.resolved", '
    b'"data": {"incident_key": "01a2359f-7316-7133-acee-4bac8c48ad9a"}}}'
)
@example(raw=b"\xff\xfe{")
@example(raw=json.dumps({"event": {"agent": {"summary": "\ud800" * 100_000}}}).encode())
def test_any_signed_body_is_answered_without_an_error(client, pagerduty_secret, raw):
    answer = client.post(
        "/hooks/pagerduty",
        data=raw,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=sign(raw, SECRET),
    )
    if len(raw) > MAX_BODY_BYTES:
        assert answer.status_code == 413, answer.content
    else:
        assert answer.status_code in (202, 400), answer.content
    assert not Event.objects.exclude(status="triggered").exists()
