"""`POST /hooks/pagerduty`: PagerDuty's v3 webhooks, verified, then handed to
edrops/services/pagerduty_answers.py. Thin: check the signature, read the body, answer.

The signature comes first: a body that isn't signed with PAGERDUTY_WEBHOOK_SECRET gets 403
and is never parsed. `X-PagerDuty-Signature` holds one `v1=<hex HMAC-SHA256 of the raw body>`
per secret PagerDuty signs with, comma-separated (two while a secret is being rotated); one
match is enough."""

import hashlib
import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from edrops.api.body import NotAJsonObject, PayloadTooLarge, json_object, raw_body
from edrops.services.pagerduty_answers import InvalidWebhook, answer_from_pagerduty

SIGNATURE_HEADER = "X-PagerDuty-Signature"
log = logging.getLogger(__name__)


def signed_by_pagerduty(body: bytes, *, header: str, secret: str) -> bool:
    expected = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, given.strip()) for given in header.split(",")[:10])


@csrf_exempt
@require_POST
def pagerduty_webhook(request: HttpRequest) -> JsonResponse:
    secret = settings.PAGERDUTY_WEBHOOK_SECRET
    if not secret:
        return JsonResponse({"detail": "PAGERDUTY_WEBHOOK_SECRET is not set."}, status=403)
    try:
        body = raw_body(request)
    except PayloadTooLarge as too_large:
        return JsonResponse({"detail": str(too_large.detail)}, status=413)
    header = request.headers.get(SIGNATURE_HEADER, "")
    if not signed_by_pagerduty(body, header=header, secret=secret):
        log.warning("a PagerDuty webhook with a wrong or missing signature was refused")
        return JsonResponse({"detail": f"invalid {SIGNATURE_HEADER}"}, status=403)
    try:
        answered = answer_from_pagerduty(body=json_object(body), now=timezone.now())
    except (NotAJsonObject, InvalidWebhook) as invalid:
        return JsonResponse({"detail": str(invalid)}, status=400)
    if not answered.applied:
        return JsonResponse({"ignored": answered.detail}, status=202)
    return JsonResponse({"applied": answered.detail}, status=200)
