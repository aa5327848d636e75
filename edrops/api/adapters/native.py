"""The native format: `POST /api/v1/events`, one event a body, in our own words (API.md §4)."""

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response

from edrops.api import schema
from edrops.api.adapters.base import Adapter, InvalidInput, ingest_status
from edrops.api.serializers import (
    BodyCharField,
    HotPathSerializer,
    IngestReplyOut,
    column,
    not_ours,
)
from edrops.models import Integration, SenderStatus, Severity
from edrops.services import EventInput, IngestResult
from rosters.columns import integer_range
from rosters.models import Team


class NativeEventIn(HotPathSerializer):
    """POST /api/v1/events. Absent optional fields keep their value on a revision. Limits are
    the columns' own (rosters/columns.py checks them again before the insert)."""

    external_id = BodyCharField(max_length=column("external_id").max_length, validators=[not_ours])
    revision = serializers.IntegerField(
        min_value=0, max_value=integer_range(column("revision"))[1], default=0
    )
    status = serializers.ChoiceField(choices=SenderStatus.choices, default=SenderStatus.ACTIVE)
    summary = BodyCharField(min_length=1, max_length=column("summary").max_length)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    market = BodyCharField(max_length=column("market").max_length, required=False, allow_blank=True)
    program = BodyCharField(
        max_length=column("program").max_length, required=False, allow_blank=True
    )
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    respond_by = serializers.DateTimeField(required=False, allow_null=True)
    mw = serializers.DecimalField(
        max_digits=column("mw").max_digits,
        decimal_places=column("mw").decimal_places,
        min_value=0,
        required=False,
        allow_null=True,
    )
    location = BodyCharField(
        max_length=column("location").max_length, required=False, allow_blank=True
    )
    resources = serializers.ListField(
        child=BodyCharField(max_length=255), required=False, max_length=1000
    )
    test = serializers.BooleanField(required=False)
    # Only a slug here: whether the source may page it (and whether it exists, which the
    # sender is never told) is ingest's question, answered 403 (edrops/permissions.py).
    team = BodyCharField(
        max_length=Team._meta.get_field("slug").max_length, required=False, source="team_slug"
    )
    details = serializers.DictField(required=False)

    def validate(self, attrs):
        starts, ends = attrs.get("starts_at"), attrs.get("ends_at")
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_at": ["ends_at is before starts_at."]})
        return attrs


def native_event(*, body: dict[str, Any]) -> EventInput:
    """The body as an EventInput; InvalidInput naming the fields."""
    serializer = NativeEventIn(data=body)
    if not serializer.is_valid():
        raise InvalidInput(serializer.errors)
    return EventInput.of(serializer.validated_data, body=body, integration=Integration.NATIVE)


class NativeAdapter(Adapter):
    """A source reports an event (native format)."""

    integration = Integration.NATIVE
    operation_id = "report_event"
    request_serializer = NativeEventIn
    responses = schema.INGEST_RESPONSES
    examples = schema.NATIVE_EXAMPLES

    def adapt(self, *, body: dict[str, Any]) -> list[EventInput]:
        return [native_event(body=body)]

    def accepted(self, *, message: list[EventInput], results: list[IngestResult]) -> Response:
        [result] = results
        return Response(IngestReplyOut(result).data, status=ingest_status(results))
