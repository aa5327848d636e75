"""The one path every integration format's POST takes (API.md §4): authenticate the source,
take its rate limit, adapt the body, then ingest it, or keep it as a rejected message and
answer 400 (or 403 for a `team` the source may not page). What differs between formats is the
adapter's (edrops/api/adapters/)."""

from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from edrops import permissions, services
from edrops.api.adapters.base import Adapter, InvalidInput, Message, SenderAction
from edrops.api.authentication import CountsUnauthenticated, IsSource, SourceRateThrottle
from edrops.api.body import json_body


class IngestSchema(AutoSchema):
    """The POST documented from the view's adapter, so a format needs no schema code of its
    own; other methods (the native URL's GET) as usual."""

    def _from_adapter(self) -> Adapter | None:
        return self.view.adapter if self.method == "POST" else None

    def get_operation_id(self) -> str:
        adapter = self._from_adapter()
        return adapter.operation_id if adapter else super().get_operation_id()

    def get_description(self) -> str:
        adapter = self._from_adapter()
        return get_doc(type(adapter)) if adapter else super().get_description()

    def get_request_serializer(self):
        adapter = self._from_adapter()
        return adapter.request_serializer if adapter else super().get_request_serializer()

    def get_response_serializers(self):
        adapter = self._from_adapter()
        return adapter.responses if adapter else super().get_response_serializers()

    def get_examples(self):
        adapter = self._from_adapter()
        return adapter.examples if adapter else super().get_examples()


class IngestView(CountsUnauthenticated, APIView):
    """`POST`: a source sends a message in `adapter`'s format (set by `as_view(adapter=...)`)."""

    adapter: Adapter | None = None  # as_view(adapter=...)
    permission_classes = [IsSource]
    throttle_classes = [SourceRateThrottle]
    schema = IngestSchema()

    @classmethod
    def as_view(cls, **initkwargs):
        # At import of the URLs, not at the first request.
        if not isinstance(initkwargs.get("adapter", cls.adapter), Adapter):
            raise TypeError(f"{cls.__name__}.as_view(adapter=...) needs an Adapter instance")
        return super().as_view(**initkwargs)

    def get_authenticators(self):
        return [authentication() for authentication in self.adapter.authentication_classes]

    def get_throttles(self):
        # Counted per event: taken in post(), once the body says how many.
        return [] if self.adapter.limit_each_event else super().get_throttles()

    def throttled(self, request, wait, cost: int = 1):
        self.count(request, outcome=429, n=cost)
        detail = f"Over this source's limit of {request.auth.rate_limit} events a minute."
        if cost > 1:
            detail = f"{detail[:-1]}: this request carries {cost} of them."
        raise Throttled(wait, detail=detail)

    def post(self, request):
        source = request.auth
        try:
            message = self.adapter.adapt(body=json_body(request))
        except InvalidInput as invalid:
            self.take_slots_per_event(request, cost=1)  # a body we reject counts as one
            return self.rejected(request, invalid)
        self.take_slots_per_event(request, cost=events_in(message))
        now = timezone.now()
        if isinstance(message, SenderAction):
            services.act_as_sender(
                source=source, external_id=message.external_id, action=message.action, at=now
            )
            self.count(request, outcome=202)
            return self.adapter.accepted(message=message, results=[])
        try:
            results = services.ingest_all(source=source, inputs=message, now=now)
        except services.Unstorable as e:
            return self.rejected(request, self.adapter.unstorable(e.errors))
        except permissions.MayNotPage as refused:
            return self.refused(request, refused)
        return self.adapter.accepted(message=message, results=results)

    def take_slots_per_event(self, request, *, cost: int) -> None:
        """For a format that counts each event: `cost` of the source's rate limit, all or
        none, else 429. (Otherwise the request's one was taken before the body was read.)"""
        if not self.adapter.limit_each_event:
            return
        throttle = SourceRateThrottle(cost=cost)
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait(), cost=cost)

    def rejected(self, request, invalid: InvalidInput) -> Response:
        """400 in the format's words, after keeping the message for a human."""
        errors = self.adapter.errors(invalid)
        self.keep(request, errors)
        self.count(request, outcome=400)
        return self.adapter.rejection(errors)

    def refused(self, request, refused: permissions.MayNotPage) -> Response:
        """403, the same for a team the source may not page and one that doesn't exist; kept
        like a bad message (a leaked token trying teams is for a human to see)."""
        answer = {"detail": refused.detail}
        self.keep(request, answer)
        self.count(request, outcome=403)
        return Response(answer, status=status.HTTP_403_FORBIDDEN)

    def keep(self, request, errors) -> None:
        services.reject(
            source=request.auth,
            endpoint=request.path,
            body=request.successful_authenticator.without_credential(request.body),
            content_type=request.META.get("CONTENT_TYPE", ""),
            errors=errors,
            now=timezone.now(),
        )

    def count(self, request, *, outcome: int, n: int = 1) -> None:
        """For /metrics: what this request came to, when ingest did not count it itself (it
        counts each event it accepts, 202 or 200)."""
        services.count_received(
            source=request.auth, integration=self.adapter.integration, outcome=outcome, n=n
        )

    def unauthenticated_integration(self) -> str | None:
        return self.adapter.integration


def events_in(message: Message) -> int:
    return 1 if isinstance(message, SenderAction) else len(message)
