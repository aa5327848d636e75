"""`GET /api/v1/teams/<slug>/oncall?at=` (API.md §4): who is on call for a team."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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
