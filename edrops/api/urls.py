from django.urls import path

from edrops.api import drills, heartbeats, maintenance, pagerduty_hooks, views
from edrops.api.adapters.alertmanager import AlertmanagerAdapter
from edrops.api.adapters.native import NativeAdapter
from edrops.api.adapters.pagerduty import PagerDutyAdapter
from edrops.api.ingest import IngestView

urlpatterns = [
    # A source sends its events, one URL a format (edrops/api/adapters/); people list them.
    path("api/v1/events", views.EventsView.as_view(adapter=NativeAdapter()), name="events"),
    path(
        "api/v1/integrations/pagerduty/v2/enqueue",
        IngestView.as_view(adapter=PagerDutyAdapter()),
        name="pagerduty-enqueue",
    ),
    path(
        "api/v1/integrations/alertmanager",
        IngestView.as_view(adapter=AlertmanagerAdapter()),
        name="alertmanager-webhook",
    ),
    path("api/v1/events/<uuid:event_id>", views.EventDetailView.as_view(), name="event-detail"),
    path(
        "api/v1/events/<uuid:event_id>/acknowledge",
        views.AcknowledgeView.as_view(),
        name="event-acknowledge",
    ),
    path(
        "api/v1/events/<uuid:event_id>/resolve", views.ResolveView.as_view(), name="event-resolve"
    ),
    path(
        "api/v1/events/<uuid:event_id>/decline", views.DeclineView.as_view(), name="event-decline"
    ),
    path("api/v1/events/<uuid:event_id>/notes", views.NoteView.as_view(), name="event-notes"),
    path(
        "api/v1/events/<uuid:event_id>/escalate",
        views.EscalateView.as_view(),
        name="event-escalate",
    ),
    path(
        "api/v1/events/<uuid:event_id>/reassign",
        views.ReassignView.as_view(),
        name="event-reassign",
    ),
    path("api/v1/events/<uuid:event_id>/snooze", views.SnoozeView.as_view(), name="event-snooze"),
    # A person pages by hand (a dispatch that came by phone or an ISO portal).
    path("api/v1/pages", views.PagesView.as_view(), name="pages"),
    path("api/v1/heartbeat", heartbeats.HeartbeatView.as_view(), name="heartbeat"),
    path("api/v1/rejected", views.RejectedListView.as_view(), name="rejected-messages"),
    path(
        "api/v1/people/<str:handle>/test-page",
        drills.TestPageView.as_view(),
        name="person-test-page",
    ),
    path(
        "api/v1/maintenance", maintenance.MaintenanceListView.as_view(), name="maintenance-list"
    ),
    path(
        "api/v1/maintenance/<int:window_id>",
        maintenance.MaintenanceDetailView.as_view(),
        name="maintenance-detail",
    ),
    # PagerDuty's v3 webhooks: acknowledge and resolve of events forwarded to it.
    path("hooks/pagerduty", pagerduty_hooks.pagerduty_webhook, name="pagerduty-webhook"),
]
