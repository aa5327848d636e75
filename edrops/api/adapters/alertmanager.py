"""Prometheus Alertmanager webhook (version 4): one event per alert, keyed by its fingerprint."""

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response

from edrops.api import schema
from edrops.api.adapters.base import Adapter, InvalidInput, ingest_status
from edrops.api.serializers import IngestReplyOut, column, not_ours
from edrops.models import Integration, SenderStatus, Severity
from edrops.services import EventInput, IngestResult

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
    fingerprint = serializers.CharField(
        max_length=column("external_id").max_length, validators=[not_ours]
    )

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


def alertmanager_events(*, body: dict[str, Any]) -> list[EventInput]:
    """One EventInput per alert (keyed by fingerprint); InvalidInput naming the fields."""
    alerts = body.get("alerts")
    if isinstance(alerts, list) and len(alerts) > MAX_ALERTS:
        # Before validating them: 10,000 alerts take a while to validate only to be refused.
        raise InvalidInput(
            {
                "alerts": [
                    f"At most {MAX_ALERTS} alerts in one request; this one has {len(alerts)}. "
                    "Set max_alerts in the receiver's webhook_config."
                ]
            }
        )
    serializer = AlertmanagerIn(data=body)
    if not serializer.is_valid():
        raise InvalidInput(serializer.errors)
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


class AlertmanagerAdapter(Adapter):
    """Prometheus Alertmanager webhook (version 4): one event per alert fingerprint. Each alert
    counts against the source's rate limit, so the limit is taken once they are counted."""

    limit_each_event = True
    integration = Integration.ALERTMANAGER
    operation_id = "alertmanager_webhook"
    request_serializer = AlertmanagerIn
    responses = schema.ALERTMANAGER_RESPONSES
    examples = schema.ALERTMANAGER_EXAMPLES

    def adapt(self, *, body: dict[str, Any]) -> list[EventInput]:
        return alertmanager_events(body=body)

    def accepted(self, *, message: list[EventInput], results: list[IngestResult]) -> Response:
        return Response(
            {"events": IngestReplyOut(results, many=True).data}, status=ingest_status(results)
        )

    def unstorable(self, errors: list[dict[str, list[str]]]) -> InvalidInput:
        # One dict per alert, in order, empty for the good ones.
        return InvalidInput({"alerts": errors})
