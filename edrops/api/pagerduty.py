"""`POST /api/v1/integrations/pagerduty/v2/enqueue`: PagerDuty Events API v2 (API.md §4).

The credential is the body's `routing_key`, so the body is read before we know who sent it.
Until the routing_key names a source, nothing of the body is kept: anyone could fill the disk
with bodies that name no one. A known source's bad body is kept like any other, without its
routing_key."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from edrops import selectors, services
from edrops.api import adapters, schema
from edrops.api.adapters import flatten_errors
from edrops.api.authentication import unauthenticated
from edrops.api.body import NotAJsonObject, json_object, raw_body
from edrops.api.views import SourceView, rejected
from rosters.columns import text_problem


class PagerDutyEnqueueView(SourceView):
    """No Bearer token: authentication and the rate limit come after reading the body."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="pagerduty_enqueue",
        request=adapters.PagerDutyEventIn,
        responses=schema.PAGERDUTY_RESPONSES,
        examples=schema.PAGERDUTY_EXAMPLES,
    )
    def post(self, request):
        body = raw_body(request)
        try:
            data, unreadable = json_object(body), None
        except NotAJsonObject as e:
            # Read but not storable (a NUL somewhere): it may still name its sender.
            data, unreadable = e.data, e
        routing_key = data.get("routing_key") if data is not None else None
        if not isinstance(routing_key, str) or not routing_key or text_problem(routing_key):
            unauthenticated(request)
            errors = [str(unreadable)] if data is None else ["routing_key: This field is required."]
            return Response(invalid(errors), status=status.HTTP_400_BAD_REQUEST)
        source = selectors.source_for_token(token=routing_key)
        if source is None:
            unauthenticated(request)
            return Response(
                {"status": "unauthorized", "message": "Unknown routing_key.", "errors": []},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": 'Bearer realm="edrops sources"'},
            )
        request.auth = source
        self.take_slots(request, cost=1)

        redacted = body.replace(routing_key.encode(), b"<routing_key>")
        message = [str(unreadable)] if unreadable else adapters.pagerduty_message(body=data)
        if isinstance(message, list):
            return rejected(
                request, source=source, body=redacted, errors=message, reply=invalid(message)
            )
        now = timezone.now()
        if isinstance(message, adapters.PagerDutyAction):
            event = source.events.filter(external_id=message.dedup_key).first()
            # Like PagerDuty: acknowledging or resolving an unknown dedup_key is not an error.
            if event is not None:
                act = services.acknowledge if message.action == "acknowledge" else services.resolve
                act(event=event, by=None, source=source, via="api", at=now)
            dedup_key = message.dedup_key
        else:
            try:
                dedup_key = services.ingest(source=source, data=message, now=now).event.dedup_key
            except services.Unstorable as e:
                errors = flatten_errors(e.errors)
                return rejected(
                    request, source=source, body=redacted, errors=errors, reply=invalid(errors)
                )
        return Response(
            {"status": "success", "message": "Event processed", "dedup_key": dedup_key},
            status=status.HTTP_202_ACCEPTED,
        )


def invalid(errors: list[str]) -> dict:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
