"""`POST`/`GET /api/v1/people/<handle>/test-page` (API.md §4): send a person a test page on
each of their contact methods, and read how it went. Who may is `permissions.may_test_page`:
themselves, an ops lead for their teams' members, staff for anyone; anyone else `403`."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from edrops import permissions
from edrops.api import schema
from edrops.api.views import PersonView
from edrops.services.drills import send_test_page
from notifications import selectors as notifications
from notifications.models import Notification
from notifications.selectors import SentTestPage
from notifications.services import NothingToTest, TooSoonForTestPage
from rosters.models import Channel, Person
from rosters.validators import HANDLE_RE

HANDLE_MAX = Person._meta.get_field("handle").max_length


class ContactCheckOut(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    to = serializers.CharField(help_text="the phone number, email address or Slack user id")
    state = serializers.ChoiceField(
        choices=[s for s in Notification.State.values if s != Notification.State.SUPPRESSED],
        help_text="pending, sending, sent (the provider took it), delivered (the carrier or "
        "the answered call confirmed it) or failed",
    )
    detail = serializers.CharField(help_text="why it failed, or where it went")
    via_outbox = serializers.BooleanField(help_text="written to the outbox: no credentials")
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    at = serializers.DateTimeField(help_text="when its state last changed")


class PersonTestPageOut(serializers.Serializer):
    person = serializers.CharField()
    requested_at = serializers.DateTimeField(allow_null=True)
    requested_by = serializers.CharField(allow_null=True, help_text="a handle, else a login")
    under_way = serializers.BooleanField(help_text="some result may still change")
    results = ContactCheckOut(many=True)


def answer(person: Person, page: SentTestPage | None) -> dict:
    if page is None:
        return {
            "person": person.handle,
            "requested_at": None,
            "requested_by": None,
            "under_way": False,
            "results": [],
        }
    return PersonTestPageOut(
        {
            "person": person.handle,
            "requested_at": page.requested_at,
            "requested_by": page.requested_by,
            "under_way": page.under_way,
            "results": page.results,
        }
    ).data


class TestPageView(PersonView):
    def person(self, handle: str) -> Person:
        # Checked before the query: a NUL or a 10,000-character "handle" is simply nobody.
        is_handle = len(handle) <= HANDLE_MAX and HANDLE_RE.fullmatch(handle)
        person = Person.objects.filter(handle=handle).first() if is_handle else None
        if person is None:
            raise Http404("nobody has that handle")
        return person

    @extend_schema(
        operation_id="send_test_page",
        request=None,
        responses={
            202: PersonTestPageOut,
            400: OpenApiResponse(schema.DETAIL, "nothing to test: no address at all"),
            403: OpenApiResponse(schema.DETAIL, "not theirs to test (who may: API.md)"),
            429: OpenApiResponse(schema.DETAIL, "one went out less than a minute ago"),
        },
    )
    def post(self, request, handle: str):
        person = self.person(handle)
        try:
            page = send_test_page(actor=self.actor(request), person=person, now=timezone.now())
        except permissions.MayNotTestPage as refused:
            raise PermissionDenied(refused.detail) from None
        except NothingToTest:
            why = (
                f"{person.handle} has no phone number, email address or Slack user id: there "
                "is nothing to test."
            )
            return Response({"detail": why}, status=status.HTTP_400_BAD_REQUEST)
        except TooSoonForTestPage as soon:
            why = (
                f"A test page went to {person.handle} less than a minute ago: see how it went "
                f"with GET, or send another in {soon.retry_after} s."
            )
            return Response(
                {"detail": why},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(soon.retry_after)},
            )
        return Response(answer(person, page), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="read_test_page",
        responses={200: PersonTestPageOut, 403: OpenApiResponse(schema.DETAIL, "not theirs")},
    )
    def get(self, request, handle: str):
        person = self.person(handle)
        try:
            permissions.check_may_test_page(actor=self.actor(request), person=person)
        except permissions.MayNotTestPage as refused:
            raise PermissionDenied(refused.detail) from None
        return Response(answer(person, notifications.latest_test_page(person_id=person.pk)))
