"""The dashboard's pages, included at the site root by edrops/urls.py."""

from django.urls import path

from edrops.dashboard import controls, maintenance, schedule, views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("events/<uuid:event_id>", views.event_page, name="event"),
    path(
        "events/<uuid:event_id>/timeline.json",
        views.event_timeline,
        {"fmt": "json"},
        name="timeline-json",
    ),
    path(
        "events/<uuid:event_id>/timeline.csv",
        views.event_timeline,
        {"fmt": "csv"},
        name="timeline-csv",
    ),
    path("events/<uuid:event_id>/acknowledge", views.acknowledge, name="acknowledge"),
    path("events/<uuid:event_id>/resolve", views.resolve, name="resolve"),
    path("events/<uuid:event_id>/decline", views.decline, name="decline"),
    path("events/<uuid:event_id>/notes", views.note, name="note"),
    path("events/<uuid:event_id>/escalate", controls.escalate, name="escalate"),
    path("events/<uuid:event_id>/reassign", controls.reassign, name="reassign"),
    path("events/<uuid:event_id>/snooze", controls.snooze, name="snooze"),
    path("page", controls.page_form, name="page"),
    path("oncall", views.oncall, name="oncall"),
    path("maintenance", maintenance.maintenance, name="maintenance"),
    path("maintenance/<int:window_id>/end", maintenance.end, name="maintenance-end"),
    path("schedule", schedule.schedule, name="schedule"),
    path("schedule/take", schedule.take, name="take-shift"),
    path("schedule/swap", schedule.ask_for_swap, name="ask-for-swap"),
    path("schedule/swaps/<int:request_id>/accept", schedule.accept_swap, name="accept-swap"),
]
