"""Explicit shapes of the events API (API.md §4): what it answers, and the fields each format's
input serializer (edrops/api/adapters/) is built from."""

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from edrops import selectors
from edrops.models import NOTE_MAX, OUR_ID_PREFIX, SNOOZE_MAX_MINUTES, Event


class HotPathSerializer(serializers.Serializer):
    """For the serializers every ingest request builds. DRF deep-copies each declared field for
    every serializer instance (to let an instance change its fields): for the native event's 16
    fields that costs more than validating them. These fields keep no state of their own but
    their binding to the instance, so each instance gets a shallow clone."""

    def get_fields(self):
        return {name: _clone(field) for name, field in self._declared_fields.items()}


def _clone(field: serializers.Field) -> serializers.Field:
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class BodyCharField(serializers.CharField):
    """A CharField of a body `api.body.json_object` read, which has already refused NUL
    characters and unpaired surrogates anywhere in it: without DRF's two validators for them,
    which walk every character of every string in Python."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            v
            for v in self.validators
            if not isinstance(
                v, ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator
            )
        ]


def not_ours(value: str) -> None:
    """A sender's id (`external_id`, `dedup_key`, an alert's `fingerprint`) may not be one of
    edrops' own: with it, a body could revise or close a silence or rejection alarm."""
    if value.startswith(OUR_ID_PREFIX):
        raise serializers.ValidationError(
            f"Ids starting with {OUR_ID_PREFIX!r} are edrops' own (its silence and rejection "
            "alarms); use another."
        )


def column(name: str):
    """The Event field whose column a native field is written to: its limits are the API's."""
    return Event._meta.get_field(name)


class IngestReplyOut(HotPathSerializer):
    id = serializers.UUIDField(source="event.id")
    dedup_key = serializers.CharField(source="event.dedup_key")
    status = serializers.ChoiceField(source="event.status", choices=Event.Status.choices)
    created = serializers.BooleanField()
    url = serializers.SerializerMethodField()

    def get_url(self, result) -> str:
        return event_url(result.event)


def event_url(event: Event) -> str:
    return f"/api/v1/events/{event.id}"


class RevisionOut(serializers.Serializer):
    revision = serializers.IntegerField()
    status = serializers.CharField(source="sender_status")
    received_at = serializers.DateTimeField()
    body = serializers.JSONField()


class TimelineEntryOut(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    person = serializers.CharField(allow_null=True)
    channel = serializers.CharField()
    detail = serializers.CharField()


class MaintenanceMarkOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mode = serializers.CharField()
NULL_WHEN_EMPTY = ("acknowledged_by", "acknowledged_via", "closed_by", "closed_via", "created_by")


class EventOut(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    dedup_key = serializers.CharField()
    source = serializers.CharField(source="source.name")
    team = serializers.CharField(source="team.slug")
    integration = serializers.CharField()
    status = serializers.ChoiceField(choices=Event.Status.choices)
    sender_status = serializers.CharField()
    revision = serializers.IntegerField()
    summary = serializers.CharField()
    severity = serializers.CharField()
    market = serializers.CharField()
    program = serializers.CharField()
    test = serializers.BooleanField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    respond_by = serializers.DateTimeField()
    mw = serializers.DecimalField(max_digits=12, decimal_places=3, coerce_to_string=False)
    location = serializers.CharField()
    resources = serializers.ListField(child=serializers.CharField())
    details = serializers.JSONField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    acknowledged_by = serializers.CharField(source="acknowledged_by_name", allow_null=True)
    acknowledged_via = serializers.CharField()
    acknowledged_at = serializers.DateTimeField()
    closed_by = serializers.CharField(source="closed_by_name")
    closed_via = serializers.CharField()
    closed_at = serializers.DateTimeField()
    maintenance = serializers.SerializerMethodField()
    # Added with manual pages and the controls on an open event.
    created_by = serializers.CharField(source="created_by_name")
    assigned_to = serializers.CharField(source="assigned_to.handle", allow_null=True, default=None)
    snoozed_until = serializers.DateTimeField(source="wake_at")

    def get_url(self, event) -> str:
        return event_url(event)

    @extend_schema_field(MaintenanceMarkOut(allow_null=True))
    def get_maintenance(self, event) -> dict | None:
        """The maintenance window it arrived in, or null."""
        window = event.maintenance if event.maintenance_id else None
        return None if window is None else MaintenanceMarkOut(window).data

    def to_representation(self, event):
        data = super().to_representation(event)
        # "Nobody yet" reads better as null than as "".
        for name in NULL_WHEN_EMPTY:
            data[name] = data[name] or None
        return data


class EventDetailOut(EventOut):
    revisions = RevisionOut(many=True)
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(TimelineEntryOut(many=True))
    def get_timeline(self, event) -> list[dict]:
        return TimelineEntryOut(selectors.timeline(event=event), many=True).data


class EventListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(selectors.STATUS_FILTERS), required=False)


class NoteIn(serializers.Serializer):
    text = serializers.CharField(min_length=1, max_length=NOTE_MAX)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it doesn't know: a person's typo (`respond-by`) must not be dropped
    silently, leaving a default they didn't mean."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                # Named as sent, but escaped: an unpaired surrogate can't be written as UTF-8.
                raise serializers.ValidationError(
                    {
                        name[:64].encode("utf-8", "backslashreplace").decode(): ["Unknown field."]
                        for name in unknown[:20]
                    }
                )
        return attrs


class PageIn(StrictSerializer):
    """POST /api/v1/pages: a page by hand to a team, or to a person (with their team or not)."""

    team = serializers.SlugField(max_length=64, required=False)
    person = serializers.CharField(max_length=64, required=False)
    summary = serializers.CharField(min_length=1, max_length=column("summary").max_length)
    market = serializers.CharField(
        max_length=column("market").max_length, required=False, allow_blank=True
    )
    program = serializers.CharField(
        max_length=column("program").max_length, required=False, allow_blank=True
    )
    mw = serializers.DecimalField(
        max_digits=column("mw").max_digits,
        decimal_places=column("mw").decimal_places,
        min_value=0,
        required=False,
        allow_null=True,
    )
    location = serializers.CharField(
        max_length=column("location").max_length, required=False, allow_blank=True
    )
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    respond_by = serializers.DateTimeField(required=False, allow_null=True)
    test = serializers.BooleanField(required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "team" not in attrs and "person" not in attrs:
            raise serializers.ValidationError({"team": ["Name a team or a person to page."]})
        return attrs


class ReassignIn(StrictSerializer):
    team = serializers.SlugField(max_length=64, required=False)
    person = serializers.CharField(max_length=64, required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("team" in attrs) == ("person" in attrs):
            raise serializers.ValidationError(
                {"team": ["Name a team or a person to reassign it to (one of them)."]}
            )
        return attrs


class SnoozeIn(StrictSerializer):
    minutes = serializers.IntegerField(min_value=1, max_value=SNOOZE_MAX_MINUTES)


class RejectedMessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField(source="source.name", allow_null=True, default=None)
    endpoint = serializers.CharField()
    received_at = serializers.DateTimeField()
    errors = serializers.JSONField()
    content_type = serializers.CharField()
    body = serializers.CharField()
