"""`POST /hooks/openadr3/<source>`: an OpenADR 3 VTN's notification (its subscription's
callback), so an event arrives as the VTN writes it, not at the next poll. The VTN proves who
it is with the bearer token the ven process gave it when subscribing (client3.py)."""

import hmac
import json
import logging

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from edrops.models import Vtn
from edrops.models.sources import hash_token
from edrops.openadr import vtns

logger = logging.getLogger(__name__)

MAX_BODY = 512 * 1024


@csrf_exempt
@require_POST
def openadr3_notification(request, source_name: str) -> HttpResponse:
    vtn = (
        Vtn.objects.select_related("source")
        .filter(source__name=source_name, protocol=Vtn.Protocol.OPENADR_3)
        .first()
    )
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if vtn is None or not vtn.hook_token_hash or not given:
        return JsonResponse({"detail": "unknown subscription"}, status=401)
    if not hmac.compare_digest(hash_token(given), vtn.hook_token_hash):
        return JsonResponse({"detail": "unknown subscription"}, status=401)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": "too large"}, status=413)
    try:
        notification = json.loads(request.body)
    except (ValueError, RecursionError):
        return JsonResponse({"detail": "not JSON"}, status=400)
    if not isinstance(notification, dict) or not isinstance(notification.get("object"), dict):
        return JsonResponse({"detail": "expected a notification {objectType, operation, object}"},
                            status=400)  # fmt: skip
    if notification.get("objectType") != "EVENT":
        return JsonResponse({"detail": "ignored"}, status=200)
    event = notification["object"]
    if not isinstance(event.get("id"), str) or not event["id"]:
        return JsonResponse({"detail": "the event has no id"}, status=400)
    changed = vtns.notified_3(
        vtn=vtn, event=event, deleted=notification.get("operation") == "DELETE", now=timezone.now()
    )
    return JsonResponse({"changed": changed}, status=200)
