"""URLs of the rosters app, included at the site root by edrops/urls.py."""

from django.urls import path

from rosters import api, calendar

app_name = "rosters"

urlpatterns = [
    path("api/v1/teams/<slug:slug>/oncall", api.TeamOnCallView.as_view(), name="team-oncall"),
    path("api/v1/teams/<slug:slug>/gaps", api.TeamGapsView.as_view(), name="team-gaps"),
    path("calendar/<str:token>/me.ics", calendar.my_shifts, name="calendar-me"),
    path(
        "calendar/<str:token>/teams/<slug:slug>.ics",
        calendar.team_shifts,
        name="calendar-team",
    ),
]
