"""`POST`/`GET /api/v1/heartbeat`: a source says it is alive (API.md §4)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from edrops import services
from edrops.api.authentication import CountsUnauthenticated, IsSource, SourceTokenAuthentication


class HeartbeatOut(serializers.Serializer):
    source = serializers.CharField(source="source.name")
    monitoring = serializers.BooleanField(help_text="false: this source has no heartbeat monitor")
    next_due = serializers.DateTimeField(
        allow_null=True,
        help_text="declared silent at this moment without another heartbeat (null: never)",
    )
    last_heartbeat_at = serializers.DateTimeField(source="source.last_heartbeat_at")


class HeartbeatView(CountsUnauthenticated, APIView):
    """Records life; any body is ignored, so a `curl` or a cron `wget` will do.

    Not rate-limited: the events limit is a database write per request, costlier than what it
    would guard, and a source at its events limit in a storm must still be able to prove it is
    alive. What a flood of heartbeats costs is the token lookup; `record_life` writes at most
    once a second per source."""

    authentication_classes = [SourceTokenAuthentication]
    permission_classes = [IsSource]

    @extend_schema(operation_id="heartbeat", request=None, responses=HeartbeatOut)
    def post(self, request):
        source = request.auth
        life = services.record_life(source=source, now=timezone.now())
        reply = {
            "source": source,
            "monitoring": source.heartbeat_interval is not None,
            "next_due": life.next_due,
        }
        return Response(HeartbeatOut(reply).data)

    @extend_schema(operation_id="heartbeat_get", request=None, responses=HeartbeatOut)
    def get(self, request):
        return self.post(request)
