"""Every format takes one path (edrops/api/ingest.py): a new one is an adapter and a path(),
shown with a made-up format; and PagerDuty, whose credential is in its body, goes the same way
as the others (rate limit, rejection, unknown senders)."""

from typing import Any

import pytest
import time_machine
from django.urls import include, path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.test import APIClient

from edrops.api.adapters.base import Adapter, InvalidInput
from edrops.api.ingest import IngestView
from edrops.exposition import REGISTRY
from edrops.models import Event, RejectedMessage
from edrops.services import EventInput, IngestResult
from tests.edrops.conftest import example

pytestmark = pytest.mark.django_db

LINE_URL = "/api/v1/integrations/line"
PD_URL = "/api/v1/integrations/pagerduty/v2/enqueue"


class LineIn(serializers.Serializer):
    line = serializers.CharField(max_length=80)


class LineAdapter(Adapter):
    """A made-up format: `{"line": "..."}` is one event, keyed by its text."""

    operation_id = "report_line"
    request_serializer = LineIn
    responses = {202: None}

    def adapt(self, *, body: dict[str, Any]) -> list[EventInput]:
        serializer = LineIn(data=body)
        if not serializer.is_valid():
            raise InvalidInput(serializer.errors)
        line = serializer.validated_data["line"]
        return [EventInput(external_id=line, summary=line, body=body)]

    def accepted(self, *, message: list[EventInput], results: list[IngestResult]) -> Response:
        return Response({"lines": len(results)}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("api/v1/integrations/line", IngestView.as_view(adapter=LineAdapter())),
    path("", include("edrops.urls")),
]


def counted(endpoint: str) -> float:
    value = REGISTRY.get_sample_value("edrops_ingest_unauthenticated_total", {"endpoint": endpoint})
    return value or 0.0


@pytest.mark.urls(__name__)
def test_a_new_format_is_an_adapter_and_a_path(sender, source):
    accepted = sender.post(LINE_URL, {"line": "feeder 12 tripped"}, format="json")
    refused = sender.post(LINE_URL, {"line": "x" * 81}, format="json")

    assert (accepted.status_code, accepted.json()) == (202, {"lines": 1})
    assert Event.objects.get().summary == "feeder 12 tripped"
    assert refused.status_code == 400
    assert refused.json() == {
        "errors": {"line": ["Ensure this field has no more than 80 characters."]}
    }
    kept = RejectedMessage.objects.get()
    assert (kept.source, kept.endpoint) == (source, LINE_URL)


@pytest.mark.urls(__name__)
def test_a_new_format_refuses_unknown_senders_and_takes_the_rate_limit(sender, source):
    before = counted(LINE_URL)
    assert APIClient().post(LINE_URL, {"line": "x"}, format="json").status_code == 401
    assert counted(LINE_URL) == before + 1

    source.rate_limit = 1
    source.save()
    with time_machine.travel(timezone.now(), tick=False):
        answers = [sender.post(LINE_URL, {"line": f"l{n}"}, format="json") for n in range(2)]
    assert [a.status_code for a in answers] == [202, 429]
    assert RejectedMessage.objects.count() == 0


@pytest.mark.urls(__name__)
def test_a_new_format_is_documented_from_its_adapter():
    operation = SchemaGenerator().get_schema(public=True)["paths"][LINE_URL]["post"]

    assert operation["operationId"] == "report_line"
    assert operation["description"].startswith("A made-up format")
    assert operation["security"] == [{"sourceToken": []}]


def test_a_view_without_an_adapter_is_refused_at_once():
    with pytest.raises(TypeError, match="adapter"):
        IngestView.as_view()


def pagerduty(**fields) -> dict:
    return {**example("pagerduty-v2-trigger.json"), "routing_key": "miso-secret-token", **fields}


def test_pagerduty_takes_the_sources_rate_limit_like_any_format(client, source):
    source.rate_limit = 2
    source.save()
    with time_machine.travel(timezone.now(), tick=False):
        answers = [
            client.post(PD_URL, pagerduty(dedup_key=f"k-{n}"), content_type="application/json")
            for n in range(3)
        ]
        bad = client.post(PD_URL, pagerduty(payload={}), content_type="application/json")

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 30
    assert "limit of 2 events a minute" in answers[2].json()["detail"]
    assert bad.status_code == 429  # over the limit, a bad body is not read, nor kept
    assert RejectedMessage.objects.count() == 0


def test_pagerduty_without_a_routing_key_is_a_400_that_asks_for_no_bearer_token(client, source):
    response = client.post(PD_URL, {"event_action": "trigger"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["routing_key: This field is required."],
    }
    assert "WWW-Authenticate" not in response


def test_pagerduty_unknown_routing_key_asks_for_the_source_token(client, source):
    response = client.post(PD_URL, pagerduty(routing_key="nope"), content_type="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="edrops sources"'


def test_pagerduty_body_over_512_kib_is_a_413_before_anyone_is_known(client, source):
    before = counted(PD_URL)
    body = pagerduty(payload={"summary": "s", "source": "x" * (600 * 1024), "severity": "error"})

    response = client.post(PD_URL, body, content_type="application/json")

    assert response.status_code == 413
    assert counted(PD_URL) == before  # nothing was read, so no sender was refused
    assert RejectedMessage.objects.count() == 0
