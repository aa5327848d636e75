"""`GET /api/v1/teams/<slug>/oncall?at=` and `/gaps?days=` (API.md §4): who is on call for a
team, and when nobody would be reached."""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rosters.coverage import coverage_gaps
from rosters.models import Team
from rosters.selectors import on_call
from rosters.validators import EARLIEST, LATEST, within_years


class OnCallEntrySerializer(serializers.Serializer):
    person = serializers.CharField(allow_null=True, help_text="handle; null when nobody is on call")
    rotation = serializers.CharField()
    until = serializers.DateTimeField(
        allow_null=True, help_text="next moment who is on call changes; null if nothing will"
    )
    override = serializers.BooleanField(help_text="on call because of an override")


class OnCallSerializer(serializers.Serializer):
    team = serializers.CharField()
    at = serializers.DateTimeField()
    on_call = OnCallEntrySerializer(many=True)


ERRORS = inline_serializer(
    "Errors", {"errors": serializers.DictField(child=serializers.ListField())}
)


def parse_at(value: str | None):
    """An ISO 8601 instant with an offset. A '+' that reached us unescaped in a query string
    arrives as a space; read it as the '+' it was."""
    if value is None or value == "":
        return timezone.now()
    try:
        at = parse_datetime(value.strip().replace(" ", "+", 1) if "T" in value else value)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not within_years(at):
        return None
    return at


class TeamOnCallView(APIView):
    @extend_schema(
        summary="Who is on call for a team",
        parameters=[
            OpenApiParameter(
                "at",
                OpenApiTypes.DATETIME,
                description="instant with an offset, e.g. 2026-11-01T03:00:00-06:00; default now",
            )
        ],
        responses={200: OnCallSerializer, 400: ERRORS, 404: None},
    )
    def get(self, request: Request, slug: str) -> Response:
        team = get_object_or_404(Team, slug=slug)
        at = parse_at(request.query_params.get("at"))
        if at is None:
            return Response(
                {
                    "errors": {
                        "at": [
                            "Give an ISO 8601 time with an offset, e.g. 2026-11-01T03:00:00-06:00, "
                            f"from {EARLIEST.year} to {LATEST.year}."
                        ]
                    }
                },
                status=400,
            )
        answer = {
            "team": team.slug,
            "at": at,
            "on_call": [
                {
                    "person": entry.person.handle if entry.person else None,
                    "rotation": entry.rotation.name,
                    "until": entry.until,
                    "override": entry.override is not None,
                }
                for entry in on_call(team=team, at=at)
            ],
        }
        with timezone.override(team.tz):  # times read in the team's own zone, with its offset
            return Response(OnCallSerializer(answer).data)


MAX_GAP_DAYS = 60


class GapSerializer(serializers.Serializer):
    def get_fields(self):  # `from` is a Python keyword: the fields are named here, in order
        return {
            "from": serializers.DateTimeField(),
            "to": serializers.DateTimeField(),
            "why": serializers.ChoiceField(
                choices=["nobody_on_call", "no_contact_method", "working_hours_only"]
            ),
            "detail": serializers.CharField(),
        }


class GapsSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "team": serializers.CharField(),
            "from": serializers.DateTimeField(),
            "to": serializers.DateTimeField(),
            "gaps": GapSerializer(many=True),
        }


class TeamGapsView(APIView):
    @extend_schema(
        summary="Coverage gaps of a team: when its escalation policy would reach nobody",
        parameters=[
            OpenApiParameter(
                "days", OpenApiTypes.INT, description=f"from now, 1 to {MAX_GAP_DAYS}; default 7"
            )
        ],
        responses={200: GapsSerializer, 400: ERRORS, 404: None},
    )
    def get(self, request: Request, slug: str) -> Response:
        team = get_object_or_404(Team, slug=slug)
        raw = request.query_params.get("days", "7")
        if not (raw.isdigit() and 1 <= int(raw) <= MAX_GAP_DAYS):
            return Response(
                {"errors": {"days": [f"A whole number of days from 1 to {MAX_GAP_DAYS}."]}},
                status=400,
            )
        start = timezone.now().replace(microsecond=0)
        end = start + timedelta(days=int(raw))
        answer = {
            "team": team.slug,
            "from": start,
            "to": end,
            "gaps": [
                {"from": g.starts_at, "to": g.ends_at, "why": g.why, "detail": g.detail}
                for g in coverage_gaps(team=team, start=start, end=end)
            ],
        }
        with timezone.override(team.tz):
            return Response(GapsSerializer(answer).data)
