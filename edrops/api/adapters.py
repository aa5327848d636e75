"""Adapters: each integration's format in, one `EventInput` (or an action) out.

Each adapter validates with a serializer and converts; none of them touches the database
beyond what validation needs. The view hands the result to `edrops.services`.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from edrops.api.serializers import NativeEventIn, column
from edrops.models import Integration, SenderStatus, Severity
from edrops.services import EventInput

# --- native ------------------------------------------------------------------------------------


def native_event(*, body: dict[str, Any]) -> EventInput | dict:
    """The EventInput, or the serializer's field errors."""
    serializer = NativeEventIn(data=body)
    if not serializer.is_valid():
        return serializer.errors
    v = serializer.validated_data
    return EventInput(
        external_id=v["external_id"],
        revision=v["revision"],
        status=v["status"],
        summary=v["summary"],
        severity=v.get("severity"),
        market=v.get("market"),
        program=v.get("program"),
        starts_at=v.get("starts_at"),
        ends_at=v.get("ends_at"),
        respond_by=v.get("respond_by"),
        mw=v.get("mw"),
        location=v.get("location"),
        resources=v.get("resources"),
        test=v.get("test"),
        team=v.get("team"),
        details=v.get("details"),
        body=body,
        integration=Integration.NATIVE,
    )


# --- PagerDuty Events API v2 ------------------------------------------------------------------

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
    dedup_key = serializers.CharField(max_length=column("external_id").max_length, required=False)
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


@dataclass(frozen=True)
class PagerDutyAction:
    """`acknowledge` or `resolve` of the event with this dedup_key."""

    action: str
    dedup_key: str


def pagerduty_message(*, body: dict[str, Any]) -> EventInput | PagerDutyAction | list[str]:
    """A trigger as an EventInput, an acknowledge/resolve as a PagerDutyAction, or the
    errors as PagerDuty words them (a flat list of strings)."""
    serializer = PagerDutyEventIn(data=body)
    if not serializer.is_valid():
        return flatten_errors(serializer.errors)
    v = serializer.validated_data
    if v["event_action"] != "trigger":
        return PagerDutyAction(action=v["event_action"], dedup_key=v["dedup_key"])
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
        revision=None,
        status=SenderStatus.ACTIVE,
        summary=payload["summary"],
        severity=PAGERDUTY_SEVERITY[payload["severity"]],
        details=details,
        body={k: value for k, value in body.items() if k != "routing_key"},
        integration=Integration.PAGERDUTY,
    )


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


# --- Prometheus Alertmanager webhook v4 ------------------------------------------------------

ALERTMANAGER_SEVERITY = {
    "critical": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "warning": Severity.LOW,
    "low": Severity.LOW,
    "info": Severity.LOW,
}
# One request's alerts are one page each: 1,000 is far past any real group, and a 512 KiB
# body could otherwise carry some 10,000 (Alertmanager's webhook_config `max_alerts` caps it).
MAX_ALERTS = 1000
# Alertmanager's "not ended" (Go's zero time). Never convert it: year 1 in a zone west of UTC
# is before the first representable datetime.
NOT_ENDED_PREFIX = "0001-01-01"


class AlertIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True))
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )
    startsAt = serializers.DateTimeField(required=False)
    endsAt = serializers.CharField(required=False, allow_blank=True)
    generatorURL = serializers.CharField(required=False, allow_blank=True)
    fingerprint = serializers.CharField(max_length=column("external_id").max_length)

    def validate_endsAt(self, value: str):
        if not value or value.startswith(NOT_ENDED_PREFIX):
            return None
        return serializers.DateTimeField().to_internal_value(value)


class AlertmanagerIn(serializers.Serializer):
    version = serializers.ChoiceField(choices=["4"])
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    receiver = serializers.CharField(required=False, allow_blank=True)
    groupKey = serializers.CharField(required=False, allow_blank=True)
    externalURL = serializers.CharField(required=False, allow_blank=True)
    alerts = AlertIn(many=True, allow_empty=False)


def alertmanager_events(*, body: dict[str, Any]) -> list[EventInput] | dict:
    """One EventInput per alert (keyed by fingerprint), or the field errors."""
    alerts = body.get("alerts")
    if isinstance(alerts, list) and len(alerts) > MAX_ALERTS:
        # Before validating them: 10,000 alerts take a while to validate only to be refused.
        return {
            "alerts": [
                f"At most {MAX_ALERTS} alerts in one request; this one has {len(alerts)}. "
                "Set max_alerts in the receiver's webhook_config."
            ]
        }
    serializer = AlertmanagerIn(data=body)
    if not serializer.is_valid():
        return serializer.errors
    v = serializer.validated_data
    inputs = []
    for raw, alert in zip(body["alerts"], v["alerts"], strict=True):
        labels, annotations = alert["labels"], alert["annotations"]
        summary = (
            annotations.get("summary")
            or annotations.get("description")
            or labels.get("alertname")
            or f"alert {alert['fingerprint']}"
        )
        resolved = alert["status"] == "resolved"
        inputs.append(
            EventInput(
                external_id=alert["fingerprint"],
                revision=None,
                status=SenderStatus.COMPLETED if resolved else SenderStatus.ACTIVE,
                summary=summary[:1024],
                severity=ALERTMANAGER_SEVERITY.get(labels.get("severity", ""), Severity.CRITICAL),
                starts_at=alert.get("startsAt"),
                ends_at=alert.get("endsAt"),
                details={
                    "labels": labels,
                    "annotations": annotations,
                    "generatorURL": alert.get("generatorURL", ""),
                    "externalURL": v.get("externalURL", ""),
                    "receiver": v.get("receiver", ""),
                },
                body={
                    "alert": raw,
                    "receiver": v.get("receiver", ""),
                    "groupKey": v.get("groupKey", ""),
                },
                integration=Integration.ALERTMANAGER,
            )
        )
    return inputs
