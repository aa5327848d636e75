from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from edrops import views
from edrops.api.docs import SchemaView, SwaggerView
from edrops.exposition import MetricsView
from edrops.openadr import hooks as openadr_hooks

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "hooks/openadr3/<str:source_name>",
        openadr_hooks.openadr3_notification,
        name="openadr3-notification",
    ),
    path("", include("edrops.api.urls")),
    path("", include("rosters.urls")),
    path("", include("notifications.urls")),
    path("", include("edrops.dashboard.urls")),
    path("", include("edrops.profile.urls")),
    path("", include("edrops.audit.urls")),
    path("", include("edrops.reports.urls")),
]
