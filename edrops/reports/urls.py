from django.urls import path

from edrops.reports import views

app_name = "reports"

urlpatterns = [
    path("reports", views.reports, name="index"),
    path("reports/events.csv", views.EventsCsvView.as_view(), name="events-csv"),
]
