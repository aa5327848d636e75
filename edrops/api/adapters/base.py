"""What every format has: a body in, our input out, and its answers in its own words.

`adapt` only converts: it touches the database no further than validation needs, and fails in
one way, `InvalidInput`. Ingesting and rejecting are `edrops.api.ingest.IngestView`'s."""

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers, status
from rest_framework.response import Response

from edrops.api.authentication import SourceAuthentication, SourceTokenAuthentication
from edrops.models import Integration
from edrops.services import EventInput, IngestResult


class InvalidInput(Exception):
    """A body an adapter can't turn into our input. `errors` name the fields as DRF does
    (`{"severity": ['"urgent" is not a valid choice.']}`, nested for lists and objects)."""

    def __init__(self, errors: dict[str, list[Any]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class SenderAction:
    """The sender acknowledges or resolves its own event `external_id`, instead of sending one
    (PagerDuty's `acknowledge` and `resolve` by dedup_key)."""

    action: Literal["acknowledge", "resolve"]
    external_id: str


Message = list[EventInput] | SenderAction


class Adapter:
    """One integration format. A subclass says how its body becomes a `Message` and how it
    answers one that was accepted; the defaults suit a format that authenticates with a Bearer
    source token and answers errors as `{"errors": {field: [...]}}` (API.md §4)."""

    authentication_classes: ClassVar[list[type[SourceAuthentication]]] = [SourceTokenAuthentication]
    # Its events' `integration` (as EventInput's): /metrics counts what it receives by it.
    integration: ClassVar[str] = Integration.NATIVE
    # False: a request is one event against the source's rate limit, taken before the body is
    # read. True: each event in it is, taken once they are counted (a rejected body is one).
    limit_each_event: ClassVar[bool] = False

    # The POST's OpenAPI operation (edrops.api.ingest.IngestSchema); the description is the
    # subclass's docstring.
    operation_id: ClassVar[str]
    request_serializer: ClassVar[type[serializers.Serializer]]
    responses: ClassVar[dict[int, Any]]
    examples: ClassVar[list[OpenApiExample]] = []

    def adapt(self, *, body: dict[str, Any]) -> Message:
        """The body as our input; InvalidInput when it can't be."""
        raise NotImplementedError

    def accepted(self, *, message: Message, results: list[IngestResult]) -> Response:
        """The answer once `message` is ingested (`results`, one per input) or done."""
        raise NotImplementedError

    def errors(self, invalid: InvalidInput) -> Any:
        """The errors in this format's words: the 400 says them, the rejected message keeps
        them."""
        return invalid.errors

    def rejection(self, errors: Any) -> Response:
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)

    def unstorable(self, errors: list[dict[str, list[str]]]) -> InvalidInput:
        """ingest's refusal of values past their columns (one dict per input) as field errors:
        a body that is one event has that event's."""
        [event_errors] = errors
        return InvalidInput(event_errors)


def ingest_status(results: list[IngestResult]) -> int:
    """202 when something changed; 200 when every input was a redelivery or a stale revision."""
    changed = any(result.changed for result in results)
    return status.HTTP_202_ACCEPTED if changed else status.HTTP_200_OK
