"""The events API (API.md §4). Thin: read, validate through an adapter, call a service."""

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from edrops import selectors, services
from edrops.api import adapters, schema
from edrops.api.authentication import (
    CountsUnauthenticated,
    IsPerson,
    IsSource,
    SourceRateThrottle,
    SourceTokenAuthentication,
)
from edrops.api.body import NotAJsonObject, json_object, raw_body
from edrops.api.serializers import (
    EventDetailOut,
    EventListQuery,
    EventOut,
    IngestReplyOut,
    RejectedMessageOut,
)
from edrops.models import Source
from rosters.models import Person


def rejected(
    request, *, source: Source | None, errors, body: bytes | None = None, reply=None
) -> Response:
    """400, after keeping the message (`body`: the request's own unless given) for a human."""
    services.reject(
        source=source,
        endpoint=request.path,
        body=request.body if body is None else body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        errors=errors,
        now=timezone.now(),
    )
    return Response(reply or {"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def adapted(request, adapter) -> tuple[Any, Any]:
    """(input, None): the source's body turned into our input by `adapter` (which answers
    field errors as a dict); or (None, errors) when the body can't be read or adapted."""
    try:
        data = json_object(raw_body(request))
    except NotAJsonObject as e:
        return None, e.errors
    result = adapter(body=data)
    return (None, result) if isinstance(result, dict) else (result, None)


class SourceView(CountsUnauthenticated, APIView):
    """An integration's endpoint: Bearer source token, the source's rate limit."""

    authentication_classes = [SourceTokenAuthentication]
    permission_classes = [IsSource]
    throttle_classes = [SourceRateThrottle]

    def throttled(self, request, wait, cost: int = 1):
        detail = f"Over this source's limit of {request.auth.rate_limit} events a minute."
        if cost > 1:
            detail = f"{detail[:-1]}: this request carries {cost} of them."
        raise Throttled(wait, detail=detail)

    def take_slots(self, request, *, cost: int) -> None:
        """`cost` events of the source's rate limit, all or none: else 429."""
        throttle = SourceRateThrottle(cost=cost)
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait(), cost=cost)


class EventsView(SourceView):
    """POST: a source reports an event. GET: people list events."""

    def initialize_request(self, request, *args, **kwargs):
        # Authenticators are chosen before DRF's Request exists: remember the method here.
        self.reporting = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        if self.reporting:
            return super().get_authenticators()
        return [auth() for auth in self.settings.DEFAULT_AUTHENTICATION_CLASSES]

    def get_permissions(self):
        return super().get_permissions() if self.reporting else [IsPerson()]

    def get_throttles(self):
        return super().get_throttles() if self.reporting else []

    def is_ingest(self, request) -> bool:
        return self.reporting

    @extend_schema(
        operation_id="report_event",
        request=schema.NATIVE_REQUEST,
        responses=schema.INGEST_RESPONSES,
        examples=schema.NATIVE_EXAMPLES,
    )
    def post(self, request):
        source = request.auth
        event_input, errors = adapted(request, adapters.native_event)
        if errors:
            return rejected(request, source=source, errors=errors)
        try:
            result = services.ingest(source=source, data=event_input, now=timezone.now())
        except services.Unstorable as e:
            return rejected(request, source=source, errors=e.errors)
        return Response(
            IngestReplyOut(result).data,
            status=status.HTTP_202_ACCEPTED if result.changed else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="list_events",
        parameters=[OpenApiParameter("status", enum=list(selectors.STATUS_FILTERS))],
        responses=schema.paginated("PaginatedEventList", EventOut),
    )
    def get(self, request):
        query = EventListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        events = selectors.event_list(status=query.validated_data.get("status"))
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(EventOut(page, many=True).data)


class PersonView(APIView):
    permission_classes = [IsPerson]

    def event(self, event_id):
        event = selectors.event_with_history(event_id=event_id)
        if event is None:
            raise Http404
        return event

    def channel(self, request) -> str:
        """How the person reached us, in the timeline's words."""
        return (
            "web" if isinstance(request.successful_authenticator, SessionAuthentication) else "api"
        )


def person_of(user) -> Person | None:
    return Person.objects.filter(user=user).first()


class EventDetailView(PersonView):
    @extend_schema(responses=EventDetailOut)
    def get(self, request, event_id):
        return Response(EventDetailOut(self.event(event_id)).data)


class EventActionView(PersonView):
    """POST .../acknowledge and .../resolve: the one service path, as the logged-in person."""

    perform = None  # services.acknowledge or services.resolve

    @extend_schema(request=None, responses=EventDetailOut)
    def post(self, request, event_id):
        type(self).perform(
            event=self.event(event_id),
            by=person_of(request.user),
            user=request.user,
            via=self.channel(request),
            at=timezone.now(),
        )
        return Response(EventDetailOut(self.event(event_id)).data)


class AcknowledgeView(EventActionView):
    perform = staticmethod(services.acknowledge)


class ResolveView(EventActionView):
    perform = staticmethod(services.resolve)


class AlertmanagerView(SourceView):
    """Prometheus Alertmanager webhook (version 4): one event per alert fingerprint. Each alert
    counts against the source's rate limit, so the limit is taken once they are counted."""

    def get_throttles(self):
        return []

    @extend_schema(
        operation_id="alertmanager_webhook",
        request=adapters.AlertmanagerIn,
        responses=schema.ALERTMANAGER_RESPONSES,
        examples=schema.ALERTMANAGER_EXAMPLES,
    )
    def post(self, request):
        source = request.auth
        inputs, errors = adapted(request, adapters.alertmanager_events)
        # All of its alerts or nothing; a body we reject counts as one, like any other.
        self.take_slots(request, cost=len(inputs) if inputs else 1)
        if errors:
            return rejected(request, source=source, errors=errors)
        try:
            results = services.ingest_all(source=source, inputs=inputs, now=timezone.now())
        except services.Unstorable as e:
            return rejected(request, source=source, errors={"alerts": e.errors})
        changed = any(result.changed for result in results)
        return Response(
            {"events": IngestReplyOut(results, many=True).data},
            status=status.HTTP_202_ACCEPTED if changed else status.HTTP_200_OK,
        )


class RejectedListView(ListAPIView):
    """Messages we answered 400, newest first (staff)."""

    permission_classes = [IsAdminUser]
    serializer_class = RejectedMessageOut

    def get_queryset(self):
        return selectors.rejected_messages()
