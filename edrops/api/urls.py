from django.urls import path

from edrops.api import heartbeats, pagerduty, views

urlpatterns = [
    path("api/v1/events", views.EventsView.as_view(), name="events"),
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
        "api/v1/integrations/pagerduty/v2/enqueue",
        pagerduty.PagerDutyEnqueueView.as_view(),
        name="pagerduty-enqueue",
    ),
    path(
        "api/v1/integrations/alertmanager",
        views.AlertmanagerView.as_view(),
        name="alertmanager-webhook",
    ),
    path("api/v1/heartbeat", heartbeats.HeartbeatView.as_view(), name="heartbeat"),
    path("api/v1/rejected", views.RejectedListView.as_view(), name="rejected-messages"),
]
