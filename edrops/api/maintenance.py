"""Maintenance windows over the API (API.md §4, *Maintenance windows*): plan one, list the
active and upcoming ones, end one now. A person's token or session; who may plan or end one
is edrops/permissions.py's (403 `{"detail"}`), what a window may be is the service's (400
naming the field)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import Http404
from django.utils import dateparse, timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from edrops import permissions
from edrops.api import schema
from edrops.api.authentication import IsPerson
from edrops.models import MaintenanceMode, MaintenanceWindow, Severity, Source
from edrops.selectors.maintenance import WindowState, active_and_upcoming, window_state
from edrops.services.maintenance import InvalidWindow, WindowInput, end_window, plan_window
from rosters.models import Team
from rosters.validators import validate_timezone


class StrictSerializer(serializers.Serializer):
    """Refuses keys it doesn't know: a typo (`"mdoe"`, `"end_at"`) must not plan a window
    that differs from the one meant."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class MatchIn(StrictSerializer):
    market = serializers.CharField(max_length=64, required=False, allow_blank=True)
    program = serializers.CharField(max_length=64, required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_blank=True)


class MaintenanceIn(StrictSerializer):
    name = serializers.CharField(max_length=200)
    starts_at = serializers.CharField(
        max_length=64, help_text="ISO 8601, with an offset or in time_zone"
    )
    ends_at = serializers.CharField(
        max_length=64, help_text="ISO 8601, with an offset or in time_zone"
    )
    mode = serializers.ChoiceField(choices=MaintenanceMode.values)
    source = serializers.CharField(max_length=100, required=False, help_text="a source's name")
    team = serializers.SlugField(max_length=64, required=False, help_text="a team's slug")
    match = MatchIn(required=False)
    rrule = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="e.g. FREQ=WEEKLY;BYDAY=SU"
    )
    time_zone = serializers.CharField(max_length=64, required=False, help_text="IANA")

    def validate_time_zone(self, value: str) -> str:
        try:
            validate_timezone(value)
        except Exception as error:  # Django's ValidationError, in DRF's words
            raise ValidationError(list(getattr(error, "messages", [str(error)]))) from None
        return value

    def validate_source(self, value: str) -> Source:
        source = Source.objects.select_related("team").filter(name=value).first()
        if source is None:
            raise ValidationError(f"No source named {value!r}.")
        return source

    def validate_team(self, value: str) -> Team:
        team = Team.objects.filter(slug=value).first()
        if team is None:
            raise ValidationError(f"No team {value!r}.")
        return team

    def validate(self, attrs):
        zone = attrs.get("time_zone")
        errors = {}
        for name in ("starts_at", "ends_at"):
            try:
                attrs[name] = _moment(attrs[name], zone)
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise ValidationError(errors)
        return attrs

    def to_input(self) -> WindowInput:
        data = self.validated_data
        return WindowInput(
            name=data["name"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            mode=data["mode"],
            source=data.get("source"),
            team=data.get("team"),
            match=dict(data.get("match") or {}),
            rrule=data.get("rrule") or "",
            time_zone=data.get("time_zone") or "UTC",
        )


def _moment(text: str, zone: str | None) -> datetime:
    """An ISO 8601 time with its offset, or a local one in `zone`; ValueError saying which."""
    try:
        value = dateparse.parse_datetime(text.strip())
    except ValueError:
        value = None
    if value is None:
        raise ValueError(f"Not a date and time in ISO 8601 (2026-11-29T01:00-06:00): {text!r}.")
    if not 1970 <= value.year < 2200:
        raise ValueError("Must be a time from 1970 to 2200.")
    if value.tzinfo is None:
        if not zone:
            raise ValueError("Give an offset (2026-11-29T01:00-06:00), or a time_zone.")
        return value.replace(tzinfo=ZoneInfo(zone))
    return value


class OccurrenceOut(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class MatchOut(serializers.Serializer):
    market = serializers.CharField()
    program = serializers.CharField()
    severity = serializers.CharField()


class MaintenanceOut(serializers.Serializer):
    """A window and where it stands; times in its own zone, with their offset."""

    id = serializers.IntegerField()
    url = serializers.CharField()
    name = serializers.CharField()
    mode = serializers.ChoiceField(choices=MaintenanceMode.values)
    source = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    match = MatchOut(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    rrule = serializers.CharField(allow_null=True)
    time_zone = serializers.CharField()
    active = serializers.BooleanField(help_text="an occurrence is on now")
    occurrence = OccurrenceOut(
        allow_null=True, help_text="the one on now, else the next; null once over"
    )
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField(allow_null=True)

    def to_representation(self, state: WindowState) -> dict:
        window = state.window
        zone = ZoneInfo(window.time_zone)

        def at(value: datetime | None) -> str | None:
            return value.astimezone(zone).isoformat() if value else None

        shown = state.shown
        match = {
            "market": window.match_market,
            "program": window.match_program,
            "severity": window.match_severity,
        }
        return {
            "id": window.pk,
            "url": f"/api/v1/maintenance/{window.pk}",
            "name": window.name,
            "mode": window.mode,
            "source": window.source.name if window.source_id else None,
            "team": window.team.slug if window.team_id else None,
            "match": match if any(match.values()) else None,
            "starts_at": at(window.starts_at),
            "ends_at": at(window.ends_at),
            "rrule": window.rrule or None,
            "time_zone": window.time_zone,
            "active": state.active is not None,
            "occurrence": {"starts_at": at(shown.starts_at), "ends_at": at(shown.ends_at)}
            if shown
            else None,
            "created_by": window.created_by.get_username() if window.created_by else None,
            "created_at": at(window.created_at),
            "ended_at": at(window.ended_at),
            "ended_by": window.ended_by or None,
        }


def _actor(request) -> permissions.Actor:
    return permissions.Actor.of_login(request.user)


class MaintenanceListView(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="list_maintenance",
        responses=schema.paginated("PaginatedMaintenanceList", MaintenanceOut),
    )
    def get(self, request):
        """The windows on now and those to come: the active ones first, then by start."""
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        states = active_and_upcoming(now=timezone.now())
        page = paginator.paginate_queryset(states, request, view=self)
        return paginator.get_paginated_response(MaintenanceOut(page, many=True).data)

    @extend_schema(
        operation_id="plan_maintenance",
        request=MaintenanceIn,
        responses={201: MaintenanceOut, 403: schema.REFUSED},
    )
    def post(self, request):
        given = MaintenanceIn(data=request.data)
        given.is_valid(raise_exception=True)
        now = timezone.now()
        try:
            window = plan_window(data=given.to_input(), actor=_actor(request), now=now)
        except permissions.Refused as refused:
            raise PermissionDenied(refused.detail) from None
        except InvalidWindow as invalid:
            raise ValidationError(invalid.errors) from None
        body = MaintenanceOut(window_state(window=window, now=now)).data
        return Response(body, status=status.HTTP_201_CREATED)


class MaintenanceDetailView(APIView):
    permission_classes = [IsPerson]

    def window(self, window_id: int) -> MaintenanceWindow:
        window = (
            MaintenanceWindow.objects.select_related("source__team", "team", "created_by")
            .filter(pk=window_id)
            .first()
        )
        if window is None:
            raise Http404
        return window

    @extend_schema(operation_id="read_maintenance", responses=MaintenanceOut)
    def get(self, request, window_id: int):
        state = window_state(window=self.window(window_id), now=timezone.now())
        return Response(MaintenanceOut(state).data)

    @extend_schema(
        operation_id="end_maintenance", responses={200: MaintenanceOut, 403: schema.REFUSED}
    )
    def delete(self, request, window_id: int):
        """End it now, later occurrences too (one not begun is cancelled): `200` with it."""
        now = timezone.now()
        try:
            window = end_window(window=self.window(window_id), actor=_actor(request), now=now)
        except permissions.Refused as refused:
            raise PermissionDenied(refused.detail) from None
        return Response(MaintenanceOut(window_state(window=window, now=now)).data)
