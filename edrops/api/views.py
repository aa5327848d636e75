"""The events API for people (API.md §4): list, read, acknowledge, resolve, add a note,
escalate now, reassign, snooze; pages by hand; rejected messages. Who may read and act is
edrops/permissions.py's: an event one may not read is a 404, an action one may not take a 403
`{"detail": ...}`. Sources send through edrops.api.ingest, the native format at the same URL
as the list."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from edrops import permissions, selectors, services
from edrops.api import schema
from edrops.api.authentication import IsPerson
from edrops.api.ingest import IngestView
from edrops.api.serializers import (
    EventDetailOut,
    EventListQuery,
    EventOut,
    NoteIn,
    PageIn,
    ReassignIn,
    RejectedMessageOut,
    SnoozeIn,
)
from rosters.columns import Unstorable


class EventsView(IngestView):
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
        operation_id="list_events",
        parameters=[OpenApiParameter("status", enum=list(selectors.STATUS_FILTERS))],
        responses=schema.paginated("PaginatedEventList", EventOut),
    )
    def get(self, request):
        query = EventListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        events = permissions.visible(
            actor=permissions.Actor.of_login(request.user),
            events=selectors.event_list(status=query.validated_data.get("status")),
        )
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(EventOut(page, many=True).data)


class PersonView(APIView):
    permission_classes = [IsPerson]

    def actor(self, request) -> permissions.Actor:
        if not hasattr(request, "actor"):
            request.actor = permissions.Actor.of_login(request.user)
        return request.actor

    def event(self, request, event_id):
        """The event, if this login may read it; else 404, as if there were none."""
        event = selectors.event_with_history(event_id=event_id)
        if event is None or not permissions.may_read(actor=self.actor(request), event=event):
            raise Http404
        return event

    def channel(self, request) -> str:
        """How the person reached us, in the timeline's words."""
        return (
            "web" if isinstance(request.successful_authenticator, SessionAuthentication) else "api"
        )

    def act(self, request, event_id, perform, **more) -> Response:
        """`perform` (a service) as this login; 403 `{"detail": why}` when it may not."""
        actor = self.actor(request)
        try:
            perform(
                event=self.event(request, event_id),
                by=actor.person,
                user=request.user,
                via=self.channel(request),
                at=timezone.now(),
                **more,
            )
        except (permissions.Refused, permissions.MayNotPage) as refused:
            raise PermissionDenied(refused.detail) from None
        except services.Conflict as conflict:
            return Response({"detail": conflict.detail}, status=status.HTTP_409_CONFLICT)
        except services.BadPage as bad:
            raise ValidationError(bad.errors) from None
        return Response(EventDetailOut(self.event(request, event_id)).data)


class EventDetailView(PersonView):
    @extend_schema(responses=EventDetailOut)
    def get(self, request, event_id):
        return Response(EventDetailOut(self.event(request, event_id)).data)


class EventActionView(PersonView):
    """POST .../acknowledge, .../resolve and .../decline: the one service path, as the
    logged-in person."""

    perform = None  # services.acknowledge or services.resolve

    @extend_schema(request=None, responses={200: EventDetailOut, 403: schema.REFUSED})
    def post(self, request, event_id):
        return self.act(request, event_id, type(self).perform)


class AcknowledgeView(EventActionView):
    perform = staticmethod(services.acknowledge)


class ResolveView(EventActionView):
    perform = staticmethod(services.resolve)


class DeclineView(EventActionView):
    """The aggregator won't take part: resolved with the reason "declined"; an OpenADR VTN's
    event also tells the VTN optOut."""

    perform = staticmethod(services.decline)


class NoteView(PersonView):
    """POST .../notes `{"text": ...}`: a note on the event's timeline, in any state."""

    @extend_schema(request=NoteIn, responses={201: EventDetailOut, 403: schema.REFUSED})
    def post(self, request, event_id):
        note = NoteIn(data=request.data)
        note.is_valid(raise_exception=True)
        answer = self.act(request, event_id, services.add_note, text=note.validated_data["text"])
        answer.status_code = status.HTTP_201_CREATED
        return answer


class ControlView(PersonView):
    """POST .../escalate, .../reassign, .../snooze: `perform` (a service) with the body's
    fields, as the logged-in person; 409 `{"detail": why}` on a closed event."""

    perform = None
    body = None  # the input serializer, when the action takes one

    def post(self, request, event_id):
        more = {}
        if self.body is not None:
            given = self.body(data=request.data)
            given.is_valid(raise_exception=True)
            more = given.validated_data
        return self.act(request, event_id, type(self).perform, **more)


CONTROL_RESPONSES = {200: EventDetailOut, 403: schema.REFUSED, 409: schema.CONFLICT}


class EscalateView(ControlView):
    perform = staticmethod(services.escalate_now)

    @extend_schema(request=None, responses=CONTROL_RESPONSES)
    def post(self, request, event_id):
        return super().post(request, event_id)


class ReassignView(ControlView):
    perform = staticmethod(services.reassign)
    body = ReassignIn

    @extend_schema(request=ReassignIn, responses=CONTROL_RESPONSES)
    def post(self, request, event_id):
        return super().post(request, event_id)


class SnoozeView(ControlView):
    perform = staticmethod(services.snooze)
    body = SnoozeIn

    @extend_schema(request=SnoozeIn, responses=CONTROL_RESPONSES)
    def post(self, request, event_id):
        return super().post(request, event_id)


class PagesView(PersonView):
    """POST /api/v1/pages: page a team, or a person, by hand. 201 with the new event; 400
    `{"errors": {field: [...]}}` as the events API answers a source; 403 for a team the
    person may not page (or that doesn't exist: the same answer)."""

    @extend_schema(
        operation_id="page_by_hand",
        request=PageIn,
        responses={201: EventDetailOut, 400: schema.ERRORS, 403: schema.REFUSED},
    )
    def post(self, request):
        page = PageIn(data=request.data)
        if not page.is_valid():
            return _errors(page.errors)
        given = page.validated_data
        try:
            event = services.page_by_hand(
                actor=self.actor(request),
                team=given.get("team"),
                person=given.get("person"),
                facts=given,
                body=_as_sent(request.data),
                now=timezone.now(),
            )
        except permissions.MayNotPage as refused:
            raise PermissionDenied(refused.detail) from None
        except (services.BadPage, Unstorable) as bad:
            return _errors(bad.errors)
        answer = EventDetailOut(selectors.event_with_history(event_id=event.pk)).data
        return Response(answer, status=status.HTTP_201_CREATED)

    def handle_exception(self, exc):
        if isinstance(exc, ParseError):  # not JSON: as the events API says it
            return _errors({"body": [str(exc.detail)]})
        return super().handle_exception(exc)


def _errors(errors) -> Response:
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _as_sent(data) -> dict:
    """The body to keep as the event's revision: JSON as sent, a form's fields as text."""
    return data.dict() if hasattr(data, "dict") else dict(data)  # a QueryDict, or JSON


class RejectedListView(ListAPIView):
    """Messages we answered 400, newest first (staff)."""

    permission_classes = [IsAdminUser]
    serializer_class = RejectedMessageOut

    def get_queryset(self):
        return selectors.rejected_messages()
