from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from edrops import selectors


@never_cache
@require_GET
def healthz(request):
    """The process is up. Nothing else: a load balancer restarts what fails this."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Can this deployment page someone now? Names what is missing when it can't."""
    now = timezone.now()
    ready = selectors.readiness(now=now)
    body = {
        "status": "ready" if ready.ready else "unavailable",
        "missing": ready.missing,
        "checks": {
            "database": "ok" if ready.database else "unreachable",
            **{
                role: {
                    "ok": role not in ready.missing,
                    "last_seen": at.isoformat() if at else None,
                    "seconds_ago": round((now - at).total_seconds(), 1) if at else None,
                }
                for role, at in ready.last_seen.items()
            },
        },
    }
    return JsonResponse(body, status=200 if ready.ready else 503)
