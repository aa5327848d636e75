"""Production URLs plus a minimal DRF insert endpoint: the yardstick for POST /api/v1/events."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.generics import CreateAPIView
from rest_framework.permissions import AllowAny

from bench.ingest.models import BaselineDispatch


class BaselineIn(serializers.ModelSerializer):
    class Meta:
        model = BaselineDispatch
        fields = ["external_id", "summary", "body"]

    def to_internal_value(self, data):
        return super().to_internal_value(
            {"external_id": data.get("external_id"), "summary": data.get("summary"), "body": data}
        )


class BaselineInsert(CreateAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = BaselineIn


urlpatterns = [
    path("bench/baseline", BaselineInsert.as_view()),
    path("", include("edrops.urls")),
]
