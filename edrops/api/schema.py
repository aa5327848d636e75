"""OpenAPI request/response shapes and examples (real payloads from edrops/api/examples/)."""

import json
from pathlib import Path

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from edrops.api.serializers import IngestReplyOut

EXAMPLES = Path(__file__).resolve().parent / "examples"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


NATIVE_EXAMPLES = [
    OpenApiExample(
        "MISO LMR scheduling instruction",
        value=example("miso-lmr-dispatch.json"),
        request_only=True,
        description="Advance notice: `scheduled` pages too, it must be acknowledged.",
    ),
    OpenApiExample(
        "MISO LMR update (end time moved)",
        value=example("miso-lmr-update-endtime.json"),
        request_only=True,
        description="A higher `revision` of the same `external_id`: 202, nobody paged twice.",
    ),
    OpenApiExample(
        "PJM 30-minute dispatch",
        value=example("pjm-dr-30min.json"),
        request_only=True,
        description="`respond_by` given by the sender instead of the team's ack SLA.",
    ),
    OpenApiExample(
        "MISO LMR cancellation",
        value=example("miso-lmr-cancel.json"),
        request_only=True,
        description="`cancelled` closes the event and stops its escalation.",
    ),
    OpenApiExample(
        "Accepted",
        value={
            "id": "3f1c9a4e-2b7d-4c1e-9f0a-6d2b8e5c7a10",
            "dedup_key": "MISO-SI-20260714-0417",
            "status": "triggered",
            "created": True,
            "url": "/api/v1/events/3f1c9a4e-2b7d-4c1e-9f0a-6d2b8e5c7a10",
        },
        response_only=True,
        status_codes=["202", "200"],
    ),
    OpenApiExample(
        "Rejected",
        value={"errors": {"severity": ['"urgent" is not a valid choice.']}},
        response_only=True,
        status_codes=["400"],
    ),
]


def paginated(name: str, serializer) -> serializers.Serializer:
    """DRF's page shape around `serializer`, for views that paginate by hand."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


_errors = inline_serializer("FieldErrors", {"errors": serializers.DictField()})
_detail = inline_serializer("Detail", {"detail": serializers.CharField()})
FIELD_ERRORS, DETAIL = _errors, _detail  # the same shapes, for answers outside the API (audit)
REFUSED = OpenApiResponse(_detail, "you may not act on this event (who may do what: API.md)")
CONFLICT = OpenApiResponse(_detail, "the event is closed (or, to snooze, not acknowledged)")
ERRORS = OpenApiResponse(_errors, "field errors")
INGEST_RESPONSES = {
    202: OpenApiResponse(IngestReplyOut, "a new event, or a higher revision of a known one"),
    200: OpenApiResponse(IngestReplyOut, "a redelivery or an older revision: nothing changed"),
    400: OpenApiResponse(_errors, "field errors; the message is kept as a rejected message"),
    401: OpenApiResponse(_detail, "missing or unknown source token"),
    403: OpenApiResponse(
        _detail,
        "a `team` this source may not page, or one that doesn't exist (the same answer); "
        "kept as a rejected message",
    ),
    413: OpenApiResponse(_detail, "body over 512 KiB"),
    429: OpenApiResponse(_detail, "over the source's rate limit; see Retry-After (seconds)"),
}

_pd_reply = inline_serializer(
    "PagerDutyReply",
    {
        "status": serializers.CharField(),
        "message": serializers.CharField(),
        "dedup_key": serializers.CharField(),
    },
)
_pd_invalid = inline_serializer(
    "PagerDutyInvalid",
    {
        "status": serializers.CharField(),
        "message": serializers.CharField(),
        "errors": serializers.ListField(child=serializers.CharField()),
    },
)
PAGERDUTY_RESPONSES = {
    202: _pd_reply,
    400: _pd_invalid,
    401: OpenApiResponse(description="unknown routing_key"),
    413: _detail,
    429: _detail,
}
PAGERDUTY_EXAMPLES = [
    OpenApiExample("trigger", value=example("pagerduty-v2-trigger.json"), request_only=True),
    OpenApiExample(
        "acknowledge",
        value={
            "routing_key": "<source token>",
            "event_action": "acknowledge",
            "dedup_key": "scada-gw-3/link-down",
        },
        request_only=True,
    ),
]

ALERTMANAGER_RESPONSES = {
    202: inline_serializer("AlertmanagerReply", {"events": IngestReplyOut(many=True)}),
    200: OpenApiResponse(description="every alert was a redelivery"),
    400: _errors,
    401: _detail,
    413: _detail,
    429: _detail,
}
ALERTMANAGER_EXAMPLES = [
    OpenApiExample("firing", value=example("alertmanager-v4.json"), request_only=True)
]
