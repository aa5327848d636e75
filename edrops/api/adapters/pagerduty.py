"""PagerDuty Events API v2 (`.../pagerduty/v2/enqueue`, API.md §4): `trigger` is an event,
`acknowledge` and `resolve` act on the sender's own event by dedup_key; every answer in
PagerDuty's words.

The credential is the body's `routing_key`, so the body is read before we know who sent it.
Until the routing_key names a source, nothing of the body is kept: anyone could fill the disk
with bodies that name no one. A known source's bad body is kept like any other, without its
routing_key."""

import uuid
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from edrops.api import schema
from edrops.api.adapters.base import Adapter, InvalidInput, Message, SenderAction
from edrops.api.authentication import (
    CredentialNotFound,
    SourceAuthentication,
    authenticate_source_token,
    locking_out_failures,
)
from edrops.api.body import NotAJsonObject, json_body
from edrops.api.serializers import column, not_ours
from edrops.models import Integration, SenderStatus, Severity
from edrops.services import EventInput, IngestResult
from rosters.columns import text_problem

PAGERDUTY_SEVERITY = {
    "critical": Severity.CRITICAL,
    "error": Severity.HIGH,
    "warning": Severity.LOW,
    "info": Severity.LOW,
}


class PagerDutyPayloadIn(serializers.Serializer):
    summary = serializers.CharField(max_length=column("summary").max_length)
    source = serializers.CharField(max_length=255)
    severity = serializers.ChoiceField(choices=list(PAGERDUTY_SEVERITY))
    timestamp = serializers.DateTimeField(required=False)
    component = serializers.CharField(required=False, allow_blank=True)
    group = serializers.CharField(required=False, allow_blank=True)
    class_ = serializers.CharField(required=False, allow_blank=True)
    custom_details = serializers.JSONField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = fields.pop("class_")  # a Python keyword, a PagerDuty field name
        return fields


class PagerDutyEventIn(serializers.Serializer):
    routing_key = serializers.CharField(max_length=255)
    event_action = serializers.ChoiceField(choices=["trigger", "acknowledge", "resolve"])
    dedup_key = serializers.CharField(
        max_length=column("external_id").max_length, required=False, validators=[not_ours]
    )
    payload = PagerDutyPayloadIn(required=False)
    links = serializers.ListField(child=serializers.DictField(), required=False)
    images = serializers.ListField(child=serializers.DictField(), required=False)
    client = serializers.CharField(required=False, allow_blank=True)
    client_url = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs["event_action"] == "trigger" and "payload" not in attrs:
            raise serializers.ValidationError({"payload": ["A trigger needs a payload."]})
        if attrs["event_action"] != "trigger" and not attrs.get("dedup_key"):
            raise serializers.ValidationError(
                {"dedup_key": [f"{attrs['event_action']} needs the dedup_key of the event."]}
            )
        return attrs


def pagerduty_message(*, body: dict[str, Any]) -> EventInput | SenderAction:
    """A trigger as an EventInput, an acknowledge/resolve as a SenderAction; InvalidInput
    naming the fields."""
    serializer = PagerDutyEventIn(data=body)
    if not serializer.is_valid():
        raise InvalidInput(serializer.errors)
    v = serializer.validated_data
    if v["event_action"] != "trigger":
        return SenderAction(action=v["event_action"], external_id=v["dedup_key"])
    payload = v["payload"]
    details = {
        key: value
        for key, value in {
            "source": payload["source"],
            "severity": payload["severity"],
            "timestamp": payload["timestamp"].isoformat() if "timestamp" in payload else None,
            "component": payload.get("component"),
            "group": payload.get("group"),
            "class": payload.get("class"),
            "custom_details": payload.get("custom_details"),
            "links": v.get("links"),
            "images": v.get("images"),
            "client": v.get("client"),
            "client_url": v.get("client_url"),
        }.items()
        if value not in (None, "", [])
    }
    return EventInput(
        # PagerDuty makes up a dedup_key when the sender gives none; so do we.
        external_id=v.get("dedup_key") or uuid.uuid4().hex,
        status=SenderStatus.ACTIVE,
        summary=payload["summary"],
        severity=PAGERDUTY_SEVERITY[payload["severity"]],
        details=details,
        body={k: value for k, value in body.items() if k != "routing_key"},
        integration=Integration.PAGERDUTY,
    )


def invalid_event(errors: list[str]) -> dict[str, Any]:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": errors}


def flatten_errors(errors: Any, prefix: str = "") -> list[str]:
    """DRF's nested errors as PagerDuty's flat list: "payload.summary: This field is required."."""
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            path = prefix if key == "non_field_errors" else f"{prefix}.{key}" if prefix else key
            lines += flatten_errors(value, path)
        return lines
    if isinstance(errors, list):
        return [line for item in errors for line in flatten_errors(item, prefix)]
    return [f"{prefix}: {errors}" if prefix else str(errors)]


class RoutingKeyAuthentication(SourceAuthentication):
    """The body's `routing_key` is the source's token. A body without one, or that can't be
    read to find it, is a 400 and an unknown one a 401, each in PagerDuty's words; either way
    the sender is unknown, so the body is not kept (IngestView counts it)."""

    def authenticate(self, request):
        try:
            data = json_body(request)
        except NotAJsonObject as e:
            if e.data is None:
                raise CredentialNotFound(invalid_event([str(e)])) from None
            data = e.data  # read, but holding something we can't store: it may still say who
        routing_key = data.get("routing_key")
        if not isinstance(routing_key, str) or not routing_key or text_problem(routing_key):
            raise CredentialNotFound(invalid_event(["routing_key: This field is required."]))
        with locking_out_failures(request):
            try:
                principal_and_source = authenticate_source_token(routing_key)
            except exceptions.AuthenticationFailed:
                unknown = {
                    "status": "unauthorized",
                    "message": "Unknown routing_key.",
                    "errors": [],
                }
                raise exceptions.AuthenticationFailed(unknown) from None
        self.routing_key = routing_key
        return principal_and_source

    def without_credential(self, body: bytes) -> bytes:
        return body.replace(self.routing_key.encode(), b"<routing_key>")


class RoutingKeyScheme(OpenApiAuthenticationExtension):
    """OpenAPI has no security scheme for a credential in the body: no header is asked for
    (`security: [{}]`), and the request schema shows `routing_key`."""

    target_class = RoutingKeyAuthentication
    name: list[str] = []

    def get_security_definition(self, auto_schema):
        return []

    def get_security_requirement(self, auto_schema):
        return {}


class PagerDutyAdapter(Adapter):
    """PagerDuty Events API v2. No Bearer token: the body's `routing_key` is the source token,
    so the body is read before authentication and the rate limit."""

    authentication_classes = [RoutingKeyAuthentication]
    integration = Integration.PAGERDUTY
    operation_id = "pagerduty_enqueue"
    request_serializer = PagerDutyEventIn
    responses = schema.PAGERDUTY_RESPONSES
    examples = schema.PAGERDUTY_EXAMPLES

    def adapt(self, *, body: dict[str, Any]) -> Message:
        message = pagerduty_message(body=body)
        return message if isinstance(message, SenderAction) else [message]

    def accepted(self, *, message: Message, results: list[IngestResult]) -> Response:
        # Always 202, as PagerDuty answers, even for an acknowledge of an unknown dedup_key.
        if isinstance(message, SenderAction):
            dedup_key = message.external_id
        else:
            [result] = results
            dedup_key = result.event.dedup_key
        return Response(
            {"status": "success", "message": "Event processed", "dedup_key": dedup_key},
            status=status.HTTP_202_ACCEPTED,
        )

    def errors(self, invalid: InvalidInput) -> list[str]:
        if isinstance(invalid, NotAJsonObject):
            return [str(invalid)]  # its message already says where
        return flatten_errors(invalid.errors)

    def rejection(self, errors: list[str]) -> Response:
        return Response(invalid_event(errors), status=status.HTTP_400_BAD_REQUEST)
