"""/api/schema/ and /api/docs/: drf-spectacular's schema and Swagger UI (served from our own
static files, the sidecar), behind the ops endpoints' gate (edrops.ops_access)."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer


class SchemaView(SpectacularAPIView):
    """The schema, YAML or JSON as asked; a refusal is JSON whatever was asked
    (`{"detail": ...}`, as everywhere in the API)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SwaggerView(SpectacularSwaggerView):
    """A browser the gate turns away is a person: one not logged in is sent to log in, one
    logged in without staff rights is told why (the plain text of the API's 403)."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        if isinstance(exc, exceptions.PermissionDenied):
            return HttpResponseForbidden(str(exc.detail), content_type="text/plain")
        return super().handle_exception(exc)
