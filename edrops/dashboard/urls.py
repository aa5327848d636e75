"""The dashboard's pages, included at the site root by edrops/urls.py."""

from django.urls import path

from edrops.dashboard import schedule, views

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
    path("events/<uuid:event_id>/notes", views.note, name="note"),
    path("oncall", views.oncall, name="oncall"),
    path("schedule", schedule.schedule, name="schedule"),
    path("schedule/take", schedule.take, name="take-shift"),
    path("schedule/swap", schedule.ask_for_swap, name="ask-for-swap"),
    path("schedule/swaps/<int:request_id>/accept", schedule.accept_swap, name="accept-swap"),
]
